"""One fixture for the runtime-client tests: a fake Runtime API plus a
runtime process (python3 bootstrap.py or node bootstrap.mjs) started on a
folder of handler code, as the emulator starts it.

The runtimes come from $FANLAB_RUNTIMES_DIR (ctest points it at
build/<preset>/runtimes, the copy the build makes), else from the source
tree's functions/runtimes/.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

SOURCE_RUNTIMES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "functions", "runtimes")
RUNTIMES_DIR = os.path.abspath(
    os.environ.get("FANLAB_RUNTIMES_DIR") or SOURCE_RUNTIMES)
# ctest's SKIP_RETURN_CODE for a missing interpreter.
SKIP = 77
# FANLAB_TEST_PYTHON_ZYGOTE=1: Python runtimes are forked from the
# emulator's fork server (as python3.x functions are by default) rather
# than started; the tests must pass both ways.
VIA_ZYGOTE = os.environ.get("FANLAB_TEST_PYTHON_ZYGOTE") == "1"
_zygotes = {}


def zygote_for(python, bootstrap, env):
    """The fork server for this python and startup environment."""
    from zygote_client import Zygote, startup_env
    key = (python, bootstrap, startup_env(env))
    if key not in _zygotes:
        _zygotes[key] = Zygote(python, bootstrap, dict(key[2]))
    return _zygotes[key]


def command_for(language, handler):
    """argv of the runtime for `language` ("python" or "node"), as the
    emulator builds it. $FANLAB_TEST_RUNTIME_ARGV (a JSON list, "{handler}"
    replaced) runs the tests against another client instead, such as AWS's
    aws-lambda-ric, to compare."""
    other = os.environ.get("FANLAB_TEST_RUNTIME_ARGV")
    if other:
        return [arg.replace("{handler}", handler) for arg in json.loads(other)]
    if language == "python":
        return [shutil.which("python3") or "python3",
                os.path.join(RUNTIMES_DIR, "python", "bootstrap.py")]
    return [shutil.which("node") or "node",
            os.path.join(RUNTIMES_DIR, "node", "bootstrap.mjs")]


def exit_unless_found(program):
    """Skips the whole program without `program`; fails it at once when the
    runtimes to test are missing."""
    if shutil.which(program) is None:
        print("SKIPPED: `%s` is not on PATH; the %s runtime tests need it" %
              (program, program))
        sys.exit(SKIP)
    language = "python" if program == "python3" else "node"
    script = command_for(language, "")[-1]
    if not os.environ.get("FANLAB_TEST_RUNTIME_ARGV") and \
            not os.path.exists(script):
        print("FAILED: %s does not exist (build the fanlab-runtimes target)" %
              script)
        sys.exit(1)


class RuntimeFixture(unittest.TestCase):
    LANGUAGE = None  # set by subclasses

    def setUp(self):
        self.api = FakeRuntimeApi()
        self.code_dir = tempfile.mkdtemp(prefix="fanlab-rt-")
        self.proc = None
        self.stdout_path = os.path.join(self.code_dir, ".stdout")
        self.stderr_path = os.path.join(self.code_dir, ".stderr")

    def tearDown(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.api.close()
        shutil.rmtree(self.code_dir, ignore_errors=True)

    def write(self, name, text):
        """Writes one file of the function's code (dedented)."""
        path = os.path.join(self.code_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))

    def start(self, handler, env=None):
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/"),
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": self.code_dir,
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/06/[$LATEST]abc",
            "AWS_REGION": "us-east-1",
            "TZ": "UTC",
        }
        environment.update(env or {})
        self.stdout_file = open(self.stdout_path, "w")
        self.stderr_file = open(self.stderr_path, "w")
        argv = command_for(self.LANGUAGE, handler)
        if self.via_zygote():
            with open(os.devnull, "rb") as null:
                zygote = zygote_for(argv[0], argv[1], environment)
                self.proc = zygote.spawn(argv, environment, self.code_dir,
                                         null.fileno(),
                                         self.stdout_file.fileno(),
                                         self.stderr_file.fileno(),
                                         null.fileno())
        else:
            self.proc = subprocess.Popen(argv,
                                         cwd=self.code_dir, env=environment,
                                         stdout=self.stdout_file,
                                         stderr=self.stderr_file,
                                         stdin=subprocess.DEVNULL)
        self.stdout_file.close()
        self.stderr_file.close()

    def via_zygote(self):
        return (VIA_ZYGOTE and self.LANGUAGE == "python" and
                not os.environ.get("FANLAB_TEST_RUNTIME_ARGV"))

    def wait_exit(self, timeout=30):
        return self.proc.wait(timeout)

    def stdout(self):
        # newline="": the runtimes join the lines of one log event with '\r'.
        with open(self.stdout_path, newline="") as f:
            return f.read()

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def run_one(self, handler, event, request_id="req-1", env=None, **kw):
        """Starts the runtime, sends one invocation, returns its post."""
        self.api.invoke(event, request_id, **kw)
        self.start(handler, env)
        post = self.api.wait_posts(1)[0]
        self.assertEqual(post.request_id, request_id, self.stderr())
        return post

    def init_error(self, handler):
        """Starts the runtime on a handler that cannot load; returns the
        init error's post after checking that the process exits."""
        self.start(handler)
        post = self.api.wait_posts(1)[0]
        self.assertEqual(post.kind, "init_error", self.stderr())
        self.assertNotEqual(self.wait_exit(), 0)
        return post
