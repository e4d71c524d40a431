"""fanlab's fork server for the python3.x runtimes (the "zygote").

A python3.x cold start is mostly the same work every time: start the
interpreter and import boto3 (about 0.2 s of CPU). The zygote does that work
once, then forks a ready interpreter per execution environment, which sets
the environment's own state and runs the runtime client (bootstrap.py's
main) as a fresh process would. functions/runtimes/README.md ("The Python
fork server") says what is shared and how to turn it off.

The emulator starts it as it starts the runtime client, `python3
<runtimes_dir>/python/bootstrap.py`, with FANLAB_PYTHON_ZYGOTE_FD=3 and a
SOCK_SEQPACKET socket on descriptor 3, and in its environment only what
Python reads while it starts (PYTHON*, LANG, LC_*, HOME): bootstrap.py then
calls serve(), which returns only in a new environment's process, whose
command line, sys.argv and __main__ are a fresh start's. Messages are
NUL-separated fields:

  zygote -> emulator, once, when ready:
      "ready" <python version> <module name>...
    the top-level modules it imported that a fresh `python3 bootstrap.py`
    does not have: a function whose code folder holds one of those names
    must start the normal way (its own copy would lose to the shared one).
  emulator -> zygote, one request at a time:
      "spawn" <cwd> <umask> <RLIMIT_AS> <RLIMIT_NOFILE> <RLIMIT_NPROC>
              <parent pid> <argc> <argv>... <NAME=value>...
    with four descriptors (SCM_RIGHTS): stdin, stdout, stderr, descriptor 3.
    A limit of 0 is left alone. sys.argv becomes argv[1:].
  zygote -> emulator: "ok" <pid>, or "error" <message> [<pid>].

The new process is the emulator's child, not the zygote's: the zygote forks
an intermediate process that forks the environment's process and exits, so
the orphan goes to the nearest subreaper, the emulator (which must be one,
and must hold its own bookkeeping steady until it has read the pid). The
process waits for a go-ahead from the zygote, sent once the intermediate is
reaped (so it is the emulator's child by then), before it asks to die with
its new parent and runs the client. End of file on the socket (the emulator
is gone) ends the zygote.
"""

import sys

# What a fresh `python3 bootstrap.py` has loaded before the handler's module
# (this module is imported from bootstrap.py's second line): the runtime
# client adds _socket, time and _json.
_BASELINE = {name.partition(".")[0] for name in sys.modules}
_BASELINE.update(("_socket", "time", "_json"))

import ctypes  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

# What Python itself added to the zygote's environment as it started (PEP
# 538's LC_CTYPE in the C locale): a fresh start with the same startup
# variables adds it too.
_ADDED_AT_START = {k: v for k, v in os.environ.items() if k == "LC_CTYPE"}

# The socket to the emulator (FANLAB_PYTHON_ZYGOTE_FD; 3 when the emulator
# starts the zygote).
_socket_fd = -1

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_SIGKILL = 9
_MAX_MESSAGE = 1 << 20

# What the first boto3 client or resource of a session imports beyond
# `import boto3` (botocore 1.29 and 1.43); each is tried, none is required.
_PRELOAD = (
    "boto3",
    "boto3.session",
    "boto3.resources.factory",
    "boto3.resources.base",
    "boto3.resources.action",
    "boto3.resources.collection",
    "boto3.s3.inject",
    "boto3.s3.transfer",
    "boto3.dynamodb.conditions",
    "boto3.dynamodb.transform",
    "boto3.dynamodb.types",
    "botocore.client",
    "botocore.endpoint",
    "botocore.endpoint_provider",
    "botocore.regions",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.retries.standard",
    "botocore.retries.adaptive",
    "botocore.retries.special",
    "botocore.retries.quota",
    "botocore.retries.bucket",
    "botocore.retries.throttling",
    "botocore.discovery",
    "botocore.waiter",
    "botocore.paginate",
    "botocore.signers",
    "botocore.auth",
    "botocore.credentials",
    "botocore.tokens",
    "botocore.useragent",
    "botocore.context",
    "botocore.compress",
    "botocore.stub",
    "s3transfer",
    "s3transfer.manager",
    "concurrent.futures.thread",
    # The standard library the runtime client and typical handlers use.
    "json",
    "logging",
    "traceback",
    "decimal",
    "uuid",
    "base64",
    "urllib.request",
)


def _preload():
    for name in _PRELOAD:
        try:
            __import__(name)
        except Exception:  # absent, or broken here: the child imports it
            pass
    # The runtime client itself (its folder is this file's, sys.path[0]).
    import _fanlab_lambda_runtime  # noqa: F401


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _fields(data):
    return [f.decode("utf-8", "surrogateescape") for f in data.split(b"\0")]


def _encode(*fields):
    return b"\0".join(f.encode("utf-8", "surrogateescape") for f in fields)


class _Spawn:
    """One request, parsed."""

    def __init__(self, fields, fds):
        if len(fields) < 8 or fields[0] != "spawn" or len(fds) != 4:
            raise ValueError("a malformed spawn request")
        self.cwd = fields[1]
        self.umask = int(fields[2])
        self.limits = [(resource.RLIMIT_AS, int(fields[3])),
                       (resource.RLIMIT_NOFILE, int(fields[4])),
                       (resource.RLIMIT_NPROC, int(fields[5]))]
        self.parent = int(fields[6])
        argc = int(fields[7])
        self.argv = fields[8:8 + argc]
        self.env = {}
        for entry in fields[8 + argc:]:
            name, eq, value = entry.partition("=")
            if eq:
                self.env[name] = value
        self.fds = fds


def _limit(which, value):
    """Both limits to `value`, never above the hard limit already there (as
    the emulator's own launcher does)."""
    if value <= 0:
        return
    hard = resource.getrlimit(which)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _become(spawn, libc, keep):
    """In the new process, before the go-ahead: its own process group,
    stdio and descriptor 3 (the request's other copies closed but `keep`),
    limits, umask, working directory, environment, subreaper role. Raises
    on failure (the emulator then starts it the normal way)."""
    os.setpgid(0, 0)
    # Out of the way of 0-3 first, then into place (dup2 clears
    # close-on-exec, as for an exec'd process's standard descriptors). The
    # zygote's socket was descriptor 3, its stdio 0-2; every other
    # descriptor of the zygote belongs to a preloaded module (s2n-tls, under
    # awscrt, keeps /dev/urandom open from its import on) and stays, as it
    # would in a process that imported the module itself.
    high = [os.dup(fd) for fd in spawn.fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    for fd in set(high + spawn.fds + [_socket_fd]):
        if fd > 3 and fd not in keep:
            os.close(fd)
    for which, value in spawn.limits:
        _limit(which, value)
    os.umask(spawn.umask)
    os.chdir(spawn.cwd)
    os.environ.clear()
    os.environ.update(spawn.env)
    for name, value in _ADDED_AT_START.items():
        os.environ.setdefault(name, value)
    time.tzset()  # TZ may differ from the zygote's
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    sys.argv = spawn.argv[1:] or [""]


def _fork_environment(spawn, libc):
    """Starts one environment's process. In the zygote, returns the reply
    for the emulator; in the new process, returns None (the caller then
    runs the client)."""
    status_r, status_w = os.pipe()
    go_r, go_w = os.pipe()
    middle = os.fork()
    if middle == 0:
        # The intermediate: fork the environment's process, then go, so that
        # it is handed to the emulator.
        try:
            os.close(status_r)
            os.close(go_w)
            child = os.fork()
        except BaseException:
            os._exit(1)
        if child != 0:
            try:
                os.setpgid(child, child)
            except OSError:
                pass  # it has done it itself
            os._exit(0)
        try:
            _become(spawn, libc, keep=(status_w, go_r))
            os.write(status_w, b"ok\0%d" % os.getpid())
        except BaseException as e:
            try:
                os.write(status_w,
                         _encode("error", str(e), str(os.getpid())))
            finally:
                os._exit(127)
        os.close(status_w)
        # Wait for the go-ahead: the intermediate is reaped, the emulator
        # is the parent now.
        go = os.read(go_r, 1)
        os.close(go_r)
        if go != b"g":
            os._exit(127)
        if libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0) != 0 or \
                os.getppid() != spawn.parent:
            os._exit(127)  # the emulator is gone already
        return None
    os.close(status_w)
    os.close(go_r)
    for fd in spawn.fds:
        os.close(fd)
    os.waitpid(middle, 0)
    with os.fdopen(status_r, "rb") as status:
        answer = status.read()
    with os.fdopen(go_w, "wb") as go:
        if answer.startswith(b"ok\0"):
            go.write(b"g")
            return answer
    if answer.startswith(b"error\0"):
        return answer
    return b"error\0the new process ended before it was set up"


def _reply(sock, message):
    try:
        sock.send(message)
    except OSError:
        os._exit(0)  # the emulator is gone


def _serve(sock):
    """Answers requests until the emulator goes away (the zygote exits) or
    this process is a new environment's (returns)."""
    libc = _libc()
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, 8)
        except (ConnectionError, OSError):
            os._exit(0)
        if not data:
            os._exit(0)
        try:
            spawn = _Spawn(_fields(data), fds)
        except (ValueError, IndexError) as e:
            for fd in fds:
                os.close(fd)
            _reply(sock, _encode("error", str(e)))
            continue
        try:
            reply = _fork_environment(spawn, libc)
        except OSError as e:
            for fd in spawn.fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            reply = _encode("error", "fork: " + e.strerror)
        if reply is None:
            sock.detach()  # closed or replaced: the new process's own now
            return spawn
        _reply(sock, reply)


def serve():
    """Runs the zygote: preloads, says it is ready, answers requests. Exits
    the process when the emulator goes away; returns in each new
    environment's process, set up, for the caller to run the client."""
    global _socket_fd
    try:
        _socket_fd = int(os.environ["FANLAB_PYTHON_ZYGOTE_FD"])
        sock = socket.socket(fileno=_socket_fd)
        _preload()
        # What the preload made is never collected in a forked process: the
        # collector would otherwise walk it, and copy every page it writes
        # to (copy-on-write), in each of them.
        gc.collect()
        gc.freeze()
        sys.stdout.flush()
        sys.stderr.flush()
        shared = sorted({name.partition(".")[0] for name in sys.modules} -
                        _BASELINE)
        version = "%d.%d.%d" % sys.version_info[:3]
        _reply(sock, _encode("ready", version, *shared))
        _serve(sock)
    except KeyboardInterrupt:  # the emulator's terminal was interrupted
        os._exit(0)
