"""The Python fork server (_fanlab_zygote.py) on its own, driven through
zygote_client.py as the emulator drives it: what a forked runtime process
sees compared with a fresh `python3 bootstrap.py`, a setup that fails, and
the server's end with its socket. The whole runtime-client suite also runs
through it (ctest's runtimes_python_zygote: python_runtime_test.py with
FANLAB_TEST_PYTHON_ZYGOTE=1).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime_fixture import RUNTIMES_DIR, SKIP  # noqa: E402
from zygote_client import Zygote, startup_env  # noqa: E402

PYTHON = shutil.which("python3")
BOOTSTRAP = os.path.join(RUNTIMES_DIR, "python", "bootstrap.py")

# Imported as the handler's module: writes what the process sees to
# descriptor 3 and exits with 5 (before the client would reach the Runtime
# API).
FACTS = """
import json, os, sys
with open("/proc/self/cmdline", "rb") as f:
    cmdline = f.read().split(b"\\0")[:-1]
facts = {
    "forked": "_fanlab_zygote" in sys.modules,
    "env": dict(os.environ),
    "cwd": os.getcwd(),
    "argv": sys.argv,
    "cmdline": [c.decode() for c in cmdline],
    "main": sys.modules["__main__"].__file__,
    "ppid": os.getppid(),
    "pgid": os.getpgid(0),
    "fds": {fd: os.readlink("/proc/self/fd/" + fd)
            for fd in os.listdir("/proc/self/fd")
            if os.path.exists("/proc/self/fd/" + fd)},
    "stdin": sys.stdin.read(),
    "path0": sys.path[0],
}
print("to stdout")
print("to stderr", file=sys.stderr)
sys.stdout.flush()
sys.stderr.flush()
os.write(3, json.dumps(facts).encode())
os._exit(5)
"""


class PythonZygoteTest(unittest.TestCase):
    def setUp(self):
        self.code_dir = tempfile.mkdtemp(prefix="fanlab-zygote-")
        with open(os.path.join(self.code_dir, "facts.py"), "w") as f:
            f.write(textwrap.dedent(FACTS))
        self.env = {
            "PATH": "/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/"),
            "LAMBDA_TASK_ROOT": self.code_dir,
            "_HANDLER": "facts.handler",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:1",
            "SOME_VALUE": "x y",
        }
        self.zygote = Zygote(PYTHON, BOOTSTRAP, dict(startup_env(self.env)))

    def tearDown(self):
        self.zygote.close()
        shutil.rmtree(self.code_dir, ignore_errors=True)

    def run_both(self, stdin_text=b"in\n"):
        """The facts of a fresh start and of a forked process, and their
        stdout+stderr."""
        out = []
        for forked in (False, True):
            r3, w3 = os.pipe()
            rin, win = os.pipe()
            os.write(win, stdin_text)
            os.close(win)
            log = tempfile.TemporaryFile()
            self.addCleanup(log.close)
            argv = [PYTHON, BOOTSTRAP]
            if forked:
                proc = self.zygote.spawn(argv, self.env, self.code_dir, rin,
                                         log.fileno(), log.fileno(), w3)
            else:
                proc = subprocess.Popen(argv, env=self.env, cwd=self.code_dir,
                                        stdin=rin, stdout=log, stderr=log,
                                        close_fds=False,
                                        preexec_fn=lambda: os.dup2(w3, 3))
            os.close(rin)
            os.close(w3)
            with os.fdopen(r3, "rb") as results:
                facts = json.loads(results.read())
            self.assertEqual(proc.wait(30), 5)
            log.seek(0)
            out.append((facts, log.read().decode()))
        return out

    def test_a_forked_process_sees_what_a_fresh_start_sees(self):
        (fresh, fresh_log), (forked, forked_log) = self.run_both()
        self.assertFalse(fresh["forked"])
        self.assertTrue(forked["forked"])
        # LC_CTYPE, if Python coerced the C locale, in both.
        self.assertEqual(fresh["env"], forked["env"])
        for key in ("cwd", "argv", "cmdline", "main", "ppid", "path0",
                    "stdin"):
            self.assertEqual(fresh[key], forked[key], key)
        self.assertEqual(forked["ppid"], os.getpid())
        self.assertEqual(forked["stdin"], "in\n")
        self.assertEqual(forked_log, "to stdout\nto stderr\n")
        self.assertEqual(fresh_log, forked_log)

    def test_a_forked_process_has_no_pipe_or_socket_but_its_own(self):
        _, (forked, _) = self.run_both()
        self.assertTrue({"0", "1", "2", "3"} <= set(forked["fds"]))
        # Not the zygote's socket, nor a pipe of its protocol (a preloaded
        # module may keep a file open, as it would after its own import).
        others = [target for fd, target in forked["fds"].items()
                  if int(fd) > 3 and target.startswith(("pipe:", "socket:"))]
        self.assertEqual(others, [])

    def test_a_forked_process_leads_a_group_of_its_own(self):
        _, (forked, _) = self.run_both()
        self.assertNotEqual(forked["pgid"], os.getpgid(0))

    def test_a_setup_that_fails_is_an_error_naming_it(self):
        fields = ["spawn", os.path.join(self.code_dir, "missing"), "18", "0",
                  "0", "0", str(os.getpid()), "2", PYTHON, BOOTSTRAP]
        with open(os.devnull, "rb") as null:
            socket.send_fds(self.zygote.sock,
                            [b"\0".join(f.encode() for f in fields)],
                            [null.fileno()] * 4)
        reply = self.zygote.sock.recv(1 << 16).split(b"\0")
        self.assertEqual(reply[0], b"error")
        self.assertIn(b"No such file or directory", reply[1])
        # The process that failed is this process's to reap.
        pid = int(reply[2])
        self.assertEqual(os.waitpid(pid, 0)[0], pid)
        # The server serves on.
        self.run_both()

    def test_a_malformed_request_is_answered_and_the_server_serves_on(self):
        self.zygote.sock.send(b"hello")
        reply = self.zygote.sock.recv(1 << 16).split(b"\0")
        self.assertEqual(reply[0], b"error")
        self.run_both()

    def test_the_server_ends_with_its_socket(self):
        self.zygote.sock.close()
        self.assertEqual(self.zygote.proc.wait(30), 0)

    def test_the_ready_message_names_what_is_preloaded(self):
        self.assertIn("_fanlab_lambda_runtime", self.zygote.shared)
        self.assertIn("json", self.zygote.shared)
        self.assertNotIn("os", self.zygote.shared)
        self.assertNotIn("_socket", self.zygote.shared)


if __name__ == "__main__":
    if PYTHON is None:
        print("SKIPPED: no python3 on PATH")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
