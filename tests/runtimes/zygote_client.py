"""The emulator's side of the Python fork server (_fanlab_zygote.py), in
Python, for the runtime-client tests: start `python3 bootstrap.py` as a
fork server and have it fork runtime processes, which become this
process's children (it makes itself a child subreaper for that, as the
emulator is). emulator/compute/python_zygote.cc is the real client; the
protocol is in _fanlab_zygote.py's docstring.
"""

import ctypes
import os
import socket
import subprocess
import time

_PR_SET_CHILD_SUBREAPER = 36
_STARTUP_PREFIXES = ("PYTHON", "LC_")
_STARTUP_NAMES = ("LANG", "HOME")


def startup_env(env):
    """The variables Python reads as it starts: a fork server's key."""
    return tuple(sorted(
        (k, v) for k, v in env.items()
        if k.startswith(_STARTUP_PREFIXES) or k in _STARTUP_NAMES))


class ForkedProcess:
    """What the tests use of subprocess.Popen, for a forked process."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self):
        if self.returncode is None:
            os.kill(self.pid, 9)


class Zygote:
    """One fork server; `shared` names what it preloaded."""

    def __init__(self, python, bootstrap, env):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
        ours, theirs = socket.socketpair(socket.AF_UNIX,
                                         socket.SOCK_SEQPACKET)
        self.sock = ours
        zygote_env = dict(env)
        zygote_env["FANLAB_PYTHON_ZYGOTE_FD"] = str(theirs.fileno())
        # Nothing of this process's but the socket; stdio pipes, as the
        # emulator gives (stdin at its end at once).
        self.proc = subprocess.Popen(
            [python, bootstrap], env=zygote_env, cwd="/",
            pass_fds=[theirs.fileno()], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.proc.stdin.close()
        self.pid = self.proc.pid
        theirs.close()
        ready = self.sock.recv(1 << 20).split(b"\0")
        if ready[0] != b"ready":
            raise RuntimeError("the fork server did not start")
        self.version = ready[1].decode()
        self.shared = {name.decode() for name in ready[2:]}

    def spawn(self, argv, env, cwd, stdin, stdout, stderr, fd3):
        umask = os.umask(0)
        os.umask(umask)
        fields = ["spawn", cwd, str(umask), "0", "0", "0", str(os.getpid()),
                  str(len(argv))] + list(argv)
        fields += ["%s=%s" % kv for kv in env.items()]
        data = b"\0".join(f.encode("utf-8", "surrogateescape")
                          for f in fields)
        socket.send_fds(self.sock, [data], [stdin, stdout, stderr, fd3])
        reply = self.sock.recv(1 << 20).split(b"\0")
        if reply[0] != b"ok":
            raise RuntimeError("spawn failed: %r" % reply)
        return ForkedProcess(int(reply[1]))

    def close(self):
        self.sock.close()
        self.proc.wait()
        self.proc.stdout.close()
