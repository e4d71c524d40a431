"""The virtual clock shim (functions/runtimes/clock/fanlab_clock.c,
libfanlab_clock.so) preloaded into Python, Node.js and C processes, against
a fake engine: a clock file this test writes and a small HTTP server that
answers /_fanlab/sleep by moving the file's now to the wake time.

The library comes from $FANLAB_RUNTIMES_DIR (ctest points it at
build/<preset>/runtimes); exit code 77 (ctest's skip) when it or
/usr/bin/python3 is missing. Node.js and C cases skip themselves without
node or cc.
"""

import json
import mmap
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime_fixture import RUNTIMES_DIR, SKIP  # noqa: E402

SHIM = os.path.join(RUNTIMES_DIR, "libfanlab_clock.so")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else None
NODE = shutil.which("node")
CC = shutil.which("cc")
CXX = shutil.which("c++")
KEY = "AKIDFANLABCLOCKTEST"
SEC = 10**9
DAY = 86400 * SEC
# An arbitrary virtual now (2023-11-14T22:13:20.123456789Z) and a virtual
# CLOCK_MONOTONIC of 5 s.
NOW = 1_700_000_000_123_456_789
BASE = NOW - 5 * SEC


class FakeEngine:
    """The engine side of the contract (docs/protocol.md, "Clock
    requests"): the clock file, POST /_fanlab/sleep and
    /_fanlab/sleep/cancel. mode "answer": each sleep is answered once
    `batch` are pending (all the process's sleepers blocked), earliest wake
    time first, moving now to it; "close": the connection is closed without
    an answer; "hold": no answer until the sleep is cancelled (then its
    connection is closed unanswered) or its caller closes.
    """

    def __init__(self, now=NOW, base=BASE, magic=b"FLCLOCK1",
                 host="127.0.0.1"):
        fd, self.path = tempfile.mkstemp(prefix="fanlab-clock-")
        os.write(fd, magic + struct.pack("<qq", now, base) + bytes(4096 - 24))
        os.close(fd)
        with open(self.path, "r+b") as f:
            self.map = mmap.mmap(f.fileno(), 4096)
        self.lock = threading.Condition()
        self.requests = []  # the sleeps, as do_POST records them
        self.cancels = []  # the client ports cancels named
        self.pending = []
        self.mode = "answer"
        self.batch = 1
        self.not_taken_in = 0  # cancels answered "not sleeping" regardless
        engine = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/_fanlab/sleep/cancel":
                    return self.cancel(int(body))
                request = {
                    "path": self.path,
                    "key": self.headers.get("Authorization"),
                    "content_type": self.headers.get("Content-Type"),
                    "connection": self.headers.get("Connection"),
                    "until": int(body),
                    "port": self.client_address[1],
                    "cancelled": False,  # by a cancel request
                    "closed": False,  # by its caller, unanswered
                }
                with engine.lock:
                    engine.requests.append(request)
                    mode = engine.mode
                if mode == "close":
                    self.close_connection = True
                    return
                if mode == "hold":
                    self.wait_for_close(request)
                    return
                with engine.lock:
                    engine.pending.append(request)
                    engine.lock.notify_all()
                    while request in engine.pending and (
                            len(engine.pending) < engine.batch or
                            min(r["until"] for r in engine.pending) !=
                            request["until"]):
                        engine.lock.wait(10)
                    if request in engine.pending:
                        engine.pending.remove(request)
                        engine.batch = max(1, engine.batch - 1)
                    now = max(engine.now(), request["until"])
                    engine.set_now(now)
                    engine.lock.notify_all()
                answer = str(now).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def wait_for_close(self, request):
                sock = self.connection
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    with engine.lock:
                        if request["cancelled"]:
                            return  # closed unanswered
                    ready, _, _ = select.select([sock], [], [], 0.02)
                    if ready and not sock.recv(1):
                        with engine.lock:
                            request["closed"] = True
                        return

            def cancel(self, port):
                with engine.lock:
                    engine.cancels.append(port)
                    held = [r for r in engine.requests
                            if r["port"] == port and not r["cancelled"] and
                            not r["closed"] and engine.mode == "hold"]
                    if engine.not_taken_in > 0:  # as if still on its way
                        engine.not_taken_in -= 1
                        held = []
                    for r in held:
                        r["cancelled"] = True
                answer = b"cancelled" if held else b"not sleeping"
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        server_class = ThreadingHTTPServer
        if ":" in host:
            class V6Server(ThreadingHTTPServer):
                address_family = socket.AF_INET6
            server_class = V6Server
        self.host = host
        self.server = server_class((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.map.close()
        os.unlink(self.path)

    def now(self):
        return struct.unpack_from("<q", self.map, 8)[0]

    def set_now(self, ns):
        struct.pack_into("<q", self.map, 8, ns)

    def endpoint(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d" % (host, self.server.server_address[1])

    def env(self, **extra):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LD_PRELOAD": SHIM,
            "FANLAB_CLOCK_FILE": self.path,
            "FANLAB_HTTP_ENDPOINT": self.endpoint(),
            "AWS_ACCESS_KEY_ID": KEY,
        }
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def sleeps(self):
        with self.lock:
            return list(self.requests)


def run(argv, env, timeout=20, stdin=None):
    """Runs argv; returns (stdout lines parsed as JSON, stderr, real
    seconds)."""
    start = time.monotonic()
    result = subprocess.run(argv, env=env, input=stdin, capture_output=True,
                            text=True, timeout=timeout)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        raise AssertionError("%s exited with %d\nstdout: %s\nstderr: %s" %
                             (argv[:2], result.returncode, result.stdout,
                              result.stderr))
    lines = [json.loads(line) for line in result.stdout.splitlines()
             if line.startswith(("{", "["))]
    return lines, result.stderr, elapsed


def py(code):
    return [PYTHON, "-c", textwrap.dedent(code)]


def node(code):
    return [NODE, "--no-concurrent-recompilation", "-e",
            textwrap.dedent(code)]


class ClockTestCase(unittest.TestCase):
    def setUp(self):
        self.engine = FakeEngine()

    def tearDown(self):
        self.engine.close()


class PythonClockTest(ClockTestCase):
    def test_clocks_follow_the_file_and_tick_per_read(self):
        code = """
            import json, sys, time
            def sample():
                a = time.time_ns()
                reads = [time.time_ns() for _ in range(10)]
                m = time.monotonic_ns()
                return {"first": a, "reads": reads, "mono": m,
                        "time": time.time(), "perf": time.perf_counter_ns()}
            print(json.dumps(sample()), flush=True)
            sys.stdin.readline()  # the test moves the file's now meanwhile
            print(json.dumps(sample()), flush=True)
        """
        for tick in (None, "250"):
            with self.subTest(tick=tick):
                t = int(tick or 1000)
                self.engine.set_now(NOW)
                with subprocess.Popen(
                        py(code),
                        env=self.engine.env(FANLAB_CLOCK_TICK_NS=tick),
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True) as proc:
                    first = json.loads(proc.stdout.readline())
                    self.engine.set_now(NOW + 7 * DAY)
                    proc.stdin.write("\n")
                    proc.stdin.flush()
                    second = json.loads(proc.stdout.readline())
                    proc.wait(10)
                # Python's start-up reads the clock a few times: each read is
                # one tick after the previous.
                self.assertGreaterEqual(first["first"], NOW)
                self.assertLess(first["first"], NOW + 1000 * t)
                self.assertEqual(first["reads"], [first["first"] + i * t
                                                  for i in range(1, 11)])
                self.assertEqual(first["mono"],
                                 first["reads"][-1] + t - BASE)
                self.assertEqual(first["perf"], first["mono"] + 2 * t - 0)
                self.assertAlmostEqual(first["time"],
                                       (first["mono"] + BASE + t) / SEC,
                                       places=5)
                # Past the file's new now, the reads go on from it.
                self.assertGreaterEqual(second["first"], NOW + 7 * DAY)
                self.assertLess(second["first"], NOW + 7 * DAY + 100 * t)
                self.assertEqual(second["reads"], [second["first"] + i * t
                                                   for i in range(1, 11)])
                self.assertEqual(proc.returncode, 0)
        self.assertEqual(self.engine.sleeps(), [])

    def test_sleep_is_one_request_and_takes_no_real_time(self):
        start = self.engine.now()
        lines, _, elapsed = run(py("""
            import json, time
            before = time.time_ns()
            time.sleep(3600)
            print(json.dumps({"before": before, "after": time.time_ns()}))
        """), self.engine.env())
        self.assertLess(elapsed, 2.0)
        sleeps = self.engine.sleeps()
        self.assertEqual(len(sleeps), 1, sleeps)
        until = sleeps[0]["until"]
        before = lines[0]["before"]
        # The emulator is asked for the sleep's length of its own time (the
        # file's now, the thread's clock less its reads' ticks); the thread
        # wakes at the deadline time.sleep computed from its own monotonic
        # read, one tick after `before`, and reads a tick later.
        self.assertEqual(until, start + 3600 * SEC)
        self.assertEqual(sleeps[0]["path"], "/_fanlab/sleep")
        self.assertEqual(sleeps[0]["key"], "FANLAB Credential=" + KEY)
        self.assertEqual(sleeps[0]["content_type"], "text/plain")
        self.assertEqual(sleeps[0]["connection"], "close")
        self.assertEqual(lines[0]["after"], before + 1000 + 3600 * SEC + 1000)
        self.assertEqual(self.engine.now(), until)

    def test_two_threads_sleep_at_once(self):
        self.engine.batch = 2  # answered once both wait
        lines, _, elapsed = run(py("""
            import json, threading, time
            woke = {}
            def nap(seconds):
                time.sleep(seconds)
                woke[seconds] = time.time_ns()
            threads = [threading.Thread(target=nap, args=(s,))
                       for s in (200, 100)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(json.dumps(woke))
        """), self.engine.env())
        self.assertLess(elapsed, 2.0)
        sleeps = sorted(r["until"] for r in self.engine.sleeps())
        self.assertEqual(len(sleeps), 2)
        self.assertLess(sleeps[0] - NOW - 100 * SEC, 1000 * 1000)
        self.assertLess(sleeps[1] - NOW - 200 * SEC, 1000 * 1000)
        # Each wakes at (or, this fake engine moving on once it answered,
        # after) its own time.
        woke = lines[0]
        self.assertGreater(woke["100"], sleeps[0])
        self.assertGreater(woke["200"], sleeps[1])

    def test_sleep_of_zero_and_select_without_fds(self):
        lines, _, elapsed = run(py("""
            import json, select, time
            time.sleep(0)
            select.select([], [], [], 30)
            print(json.dumps({"now": time.time_ns()}))
        """), self.engine.env())
        sleeps = self.engine.sleeps()
        self.assertEqual(len(sleeps), 1, sleeps)
        self.assertLess(sleeps[0]["until"] - NOW - 30 * SEC, 1000 * 1000)
        self.assertLess(elapsed, 2.0)

    def test_forked_child_names_its_own_key(self):
        run(py("""
            import os, time
            pid = os.fork()
            if pid == 0:
                os.environ["AWS_ACCESS_KEY_ID"] = "AKIDCHILD"
                time.sleep(10)
                os._exit(0)
            os.waitpid(pid, 0)
            time.sleep(20)
        """), self.engine.env())
        keys = [(r["key"], r["until"] - NOW) for r in self.engine.sleeps()]
        self.assertEqual(len(keys), 2, keys)
        self.assertEqual(keys[0][0], "FANLAB Credential=AKIDCHILD")
        self.assertEqual(keys[1][0], "FANLAB Credential=" + KEY)

    def test_forked_child_taking_on_a_clock_file_follows_it(self):
        # As the Python fork server's environments do: the server starts
        # with the library preloaded but no clock file (or another one);
        # each child replaces its environment after the fork.
        other = FakeEngine(now=NOW + DAY, base=NOW + DAY - SEC)
        try:
            child_env = self.engine.env(FANLAB_CLOCK_TICK_NS="10")
            for name, server_env in (
                    ("no clock", {"LD_PRELOAD": SHIM}),
                    ("another clock", other.env())):
                with self.subTest(name):
                    self.engine.requests.clear()
                    self.engine.set_now(NOW)
                    lines, _, _ = run(py("""
                        import json, os, sys, time
                        server = time.time_ns()
                        pid = os.fork()
                        if pid == 0:
                            os.environ.clear()
                            os.environ.update(json.loads(sys.argv[1]))
                            a = time.time_ns(); b = time.time_ns()
                            time.sleep(60)
                            print(json.dumps({"server": server, "a": a,
                                              "b": b,
                                              "after": time.time_ns()}))
                            sys.stdout.flush()
                            os._exit(0)
                        os.waitpid(pid, 0)
                    """) + [json.dumps(child_env)], server_env)
                    out = lines[0]
                    if name == "no clock":
                        self.assertLess(abs(out["server"] - time.time_ns()),
                                        60 * SEC)
                    else:
                        self.assertGreaterEqual(out["server"], NOW + DAY)
                    self.assertGreaterEqual(out["a"], NOW)
                    self.assertLess(out["a"], NOW + SEC)
                    self.assertEqual(out["b"], out["a"] + 10)
                    sleeps = self.engine.sleeps()
                    self.assertEqual(len(sleeps), 1, sleeps)
                    self.assertEqual(sleeps[0]["until"], NOW + 60 * SEC)
                    self.assertEqual(out["after"], out["b"] + 10 + 60 * SEC + 10)
            self.assertEqual(other.sleeps(), [])
        finally:
            other.close()

    def test_environment_forked_from_the_python_fork_server(self):
        # The real fork server (_fanlab_zygote.py), started with the library
        # preloaded and no clock file, as the emulator can share one server
        # between engines: the forked environment takes on its own clock.
        from zygote_client import Zygote
        start = self.engine.now()
        bootstrap = os.path.join(RUNTIMES_DIR, "python", "bootstrap.py")
        code_dir = tempfile.mkdtemp(prefix="fanlab-clock-zygote-")
        self.addCleanup(shutil.rmtree, code_dir, True)
        with open(os.path.join(code_dir, "sleeper.py"), "w") as f:
            f.write(textwrap.dedent("""
                import json, os, sys, time
                before = time.time_ns()
                time.sleep(60)
                os.write(3, json.dumps({
                    "forked": "_fanlab_zygote" in sys.modules,
                    "before": before, "after": time.time_ns()}).encode())
                os._exit(5)
            """))
        home = os.environ.get("HOME", "/")
        zygote = Zygote(PYTHON, bootstrap, {"LD_PRELOAD": SHIM, "HOME": home})
        self.addCleanup(zygote.close)
        env = self.engine.env(HOME=home, LAMBDA_TASK_ROOT=code_dir,
                              _HANDLER="sleeper.handler",
                              AWS_LAMBDA_RUNTIME_API="127.0.0.1:1")
        r3, w3 = os.pipe()
        with open(os.devnull, "rb") as stdin, \
                tempfile.TemporaryFile() as log:
            proc = zygote.spawn([PYTHON, bootstrap], env, code_dir,
                                stdin.fileno(), log.fileno(), log.fileno(),
                                w3)
            os.close(w3)
            with os.fdopen(r3, "rb") as results:
                raw = results.read()
            self.assertEqual(proc.wait(20), 5)
            log.seek(0)
            self.assertTrue(raw, log.read())
        out = json.loads(raw)
        self.assertTrue(out["forked"])
        self.assertGreaterEqual(out["before"], NOW)
        self.assertLess(out["before"], NOW + SEC)
        sleeps = self.engine.sleeps()
        self.assertEqual(len(sleeps), 1, sleeps)
        self.assertEqual(sleeps[0]["until"], start + 60 * SEC)
        self.assertEqual(sleeps[0]["key"], "FANLAB Credential=" + KEY)
        self.assertEqual(out["after"], out["before"] + 1000 + 60 * SEC + 1000)

    def test_asyncio_sleep_is_virtual(self):
        lines, _, elapsed = run(py("""
            import asyncio, json, time
            async def main():
                before = time.time_ns()
                await asyncio.sleep(600)
                return {"slept": time.time_ns() - before}
            print(json.dumps(asyncio.run(main())))
        """), self.engine.env())
        self.assertLess(elapsed, 2.0)
        self.assertGreaterEqual(lines[0]["slept"], 600 * SEC)
        self.assertLess(lines[0]["slept"], 601 * SEC)
        self.assertTrue(any(abs(r["until"] - NOW - 600 * SEC) < SEC
                            for r in self.engine.sleeps()))

    def test_an_event_loop_off_the_first_thread_keeps_real_timeouts(self):
        # A library's own loop on a thread of its own (ZeroMQ's I/O thread)
        # does not talk to the emulator: its timeout is a real one.
        lines, _, elapsed = run(py("""
            import json, os, select, threading, time
            out = {}
            def loop():
                r, w = os.pipe()
                ep = select.epoll()
                ep.register(r, select.EPOLLIN)
                start = time.monotonic_ns()
                out["events"] = len(ep.poll(0.05))
                out["virtual"] = time.monotonic_ns() - start
            t = threading.Thread(target=loop)
            t.start()
            t.join()
            print(json.dumps(out))
        """), self.engine.env())
        self.assertEqual(lines[0]["events"], 0)
        self.assertLess(lines[0]["virtual"], SEC // 1000)  # a few ticks
        self.assertGreaterEqual(elapsed, 0.05)
        self.assertEqual(self.engine.sleeps(), [])

    def test_epoll_event_before_the_timeout_cancels_the_sleep(self):
        self.engine.mode = "hold"
        lines, _, elapsed = run(py("""
            import json, os, select, threading, time
            r, w = os.pipe()
            ep = select.epoll()
            ep.register(r, select.EPOLLIN)
            threading.Timer(0.2, lambda: os.write(w, b"x")).start()
            events = ep.poll(3600)
            print(json.dumps({"events": len(events)}))
        """), self.engine.env())
        self.assertEqual(lines[0]["events"], 1)
        self.assertLess(elapsed, 3.0)
        # Cancelled by its client port before epoll returned.
        sleeps = self.engine.sleeps()
        self.assertEqual(len(sleeps), 1, sleeps)
        self.assertTrue(sleeps[0]["cancelled"])
        self.assertEqual(self.engine.cancels, [sleeps[0]["port"]])
        self.assertLess(abs(sleeps[0]["until"] - NOW - 3600 * SEC), SEC)

    def test_a_cancel_before_the_engine_took_the_sleep_in_is_sent_again(self):
        self.engine.mode = "hold"
        self.engine.not_taken_in = 2
        lines, _, _ = run(py("""
            import json, os, select, threading
            r, w = os.pipe()
            ep = select.epoll()
            ep.register(r, select.EPOLLIN)
            threading.Timer(0.1, lambda: os.write(w, b"x")).start()
            print(json.dumps({"events": len(ep.poll(3600))}))
        """), self.engine.env())
        self.assertEqual(lines[0]["events"], 1)
        sleeps = self.engine.sleeps()
        self.assertTrue(sleeps[0]["cancelled"])
        self.assertEqual(self.engine.cancels, [sleeps[0]["port"]] * 3)

    def test_signal_interrupts_the_sleep_and_cancels_it(self):
        self.engine.mode = "hold"
        lines, _, elapsed = run(py("""
            import json, signal, time
            class Alarm(Exception): pass
            def on_alarm(*_): raise Alarm()
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            try:
                time.sleep(3600)
                print(json.dumps({"interrupted": False}))
            except Alarm:
                print(json.dumps({"interrupted": True}))
        """), self.engine.env())
        self.assertTrue(lines[0]["interrupted"])
        self.assertLess(elapsed, 3.0)
        sleeps = self.engine.sleeps()
        self.assertEqual(len(sleeps), 1, sleeps)
        self.assertTrue(sleeps[0]["cancelled"])
        self.assertEqual(self.engine.cancels, [sleeps[0]["port"]])

    def test_no_answer_falls_back_to_a_real_sleep(self):
        self.engine.mode = "close"
        _, stderr, elapsed = run(py("""
            import time
            time.sleep(0.2)
            time.sleep(0.2)
        """), self.engine.env())
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertEqual(len(self.engine.sleeps()), 2)
        lines = [line for line in stderr.splitlines()
                 if line.startswith("fanlab clock: ")]
        self.assertEqual(len(lines), 1, stderr)
        self.assertTrue(lines[0].endswith("falling back to real sleeps"),
                        lines[0])

    def test_no_engine_listening_falls_back_to_a_real_sleep(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        _, stderr, elapsed = run(py("import time; time.sleep(0.2)"),
                                 self.engine.env(
                                     FANLAB_HTTP_ENDPOINT="http://127.0.0.1:%d"
                                     % port))
        self.assertGreaterEqual(elapsed, 0.2)
        self.assertIn("fanlab clock: cannot connect to FANLAB_HTTP_ENDPOINT: "
                      "falling back to real sleeps", stderr)

    def test_endpoint_forms(self):
        port = self.engine.server.server_address[1]
        v6 = FakeEngine(host="::1")
        self.addCleanup(v6.close)
        for endpoint, engine in (
                ("http://localhost:%d" % port, self.engine),
                ("http://127.0.0.1:%d/" % port, self.engine),
                (v6.endpoint(), v6)):
            with self.subTest(endpoint):
                _, stderr, elapsed = run(py("import time; time.sleep(60)"),
                                         engine.env(
                                             FANLAB_HTTP_ENDPOINT=endpoint))
                self.assertEqual(stderr, "")
                self.assertLess(elapsed, 2.0)
                self.assertEqual(len(engine.sleeps()), 1)
                engine.requests.clear()
        _, stderr, elapsed = run(py("import time; time.sleep(0.1)"),
                                 self.engine.env(
                                     FANLAB_HTTP_ENDPOINT="127.0.0.1:%d" %
                                     port))
        self.assertIn("fanlab clock: FANLAB_HTTP_ENDPOINT is not "
                      "http://HOST:PORT: falling back to real sleeps", stderr)
        self.assertGreaterEqual(elapsed, 0.1)

    def test_timed_waits_take_their_real_length_far_from_real_time(self):
        # Event.wait (sem_clockwait) and the GIL handing over between two
        # threads (pthread_cond_timedwait on a CLOCK_MONOTONIC condition):
        # with the deadline on the virtual clock a day ahead of (or behind)
        # the real one, they would wait a day (or not at all) unconverted.
        code = """
            import json, threading, time
            t0 = time.monotonic()
            threading.Event().wait(0.05)
            flag = []
            def spin():
                while not flag:
                    pass
            t = threading.Thread(target=spin)
            t.start()
            time.sleep(0)  # the main thread needs the GIL back
            flag.append(1)
            t.join()
            print(json.dumps({"virtual": time.monotonic() - t0}))
        """
        real_mono = time.monotonic_ns()
        self.assertGreater(real_mono, 10 * SEC)
        for ahead in (True, False):
            with self.subTest(ahead=ahead):
                # Ahead: realtime and monotonic a day ahead of the real
                # ones; behind: a day behind, monotonic at 1 s.
                now = time.time_ns() + (DAY if ahead else -DAY)
                mono = real_mono + DAY if ahead else SEC
                self.engine.set_now(now)
                self.engine.map[16:24] = struct.pack("<q", now - mono)
                lines, _, elapsed = run(py(code), self.engine.env())
                self.assertGreaterEqual(elapsed, 0.05)
                self.assertLess(elapsed, 5.0)
                # No virtual time passed: only the ticks of the reads.
                self.assertLess(lines[0]["virtual"], 0.01)
        self.assertEqual(self.engine.sleeps(), [])

    def test_versioned_pthread_cond_timedwait_binds_to_the_shim(self):
        # pthread_cond_timedwait has two versions in libc (GLIBC_2.2.5, the
        # old condition layout, and GLIBC_2.3.2): the interpreter's
        # reference to the current one must bind to the shim.
        env = self.engine.env(LD_DEBUG="bindings")
        result = subprocess.run(
            py("import threading, time; threading.Event().wait(0.01)"),
            env=env, capture_output=True, text=True, timeout=20)
        bound = [line for line in result.stderr.splitlines()
                 if "`pthread_cond_timedwait'" in line or
                 "`sem_clockwait'" in line or "`clock_nanosleep'" in line]
        self.assertTrue(any("libfanlab_clock.so" in line and
                            "`pthread_cond_timedwait' [GLIBC_2.3.2]" in line
                            for line in bound), bound)
        self.assertTrue(any("libfanlab_clock.so" in line and
                            "`sem_clockwait'" in line for line in bound),
                        bound)

    def test_without_a_clock_file_nothing_changes(self):
        code = """
            import json, time
            t = time.time(); m0 = time.monotonic()
            time.sleep(0.2)
            print(json.dumps({"time": t, "slept": time.monotonic() - m0}))
        """
        bad_magic = FakeEngine(magic=b"NOTCLOCK")
        try:
            for name, env in (
                    ("unset", self.engine.env(FANLAB_CLOCK_FILE=None)),
                    ("missing", self.engine.env(
                        FANLAB_CLOCK_FILE=self.engine.path + ".none")),
                    ("bad magic", bad_magic.env(
                        FANLAB_HTTP_ENDPOINT=self.engine.endpoint()))):
                with self.subTest(name):
                    lines, stderr, elapsed = run(py(code), env)
                    self.assertLess(abs(lines[0]["time"] - time.time()), 5)
                    self.assertGreaterEqual(lines[0]["slept"], 0.2)
                    self.assertGreaterEqual(elapsed, 0.2)
                    self.assertEqual(stderr, "")
        finally:
            bad_magic.close()
        self.assertEqual(self.engine.sleeps(), [])


@unittest.skipIf(NODE is None, "node is not installed")
class NodeClockTest(ClockTestCase):
    def test_date_and_performance_now_follow_the_file(self):
        lines, _, _ = run(node("""
            const a = performance.now();
            const b = performance.now();
            console.log(JSON.stringify({date: Date.now(), a, b,
                                        origin: performance.timeOrigin}));
        """), self.engine.env())
        out = lines[0]
        self.assertGreaterEqual(out["date"], NOW // 10**6)
        self.assertLess(out["date"], NOW // 10**6 + 100)
        self.assertAlmostEqual(out["b"] - out["a"], 0.001, places=6)
        self.assertLess(abs(out["origin"] - NOW / 10**6), 100)

    def test_set_timeout_is_one_request_and_takes_no_real_time(self):
        lines, _, elapsed = run(node("""
            const before = Date.now();
            setTimeout(() => console.log(JSON.stringify(
                {before, after: Date.now()})), 3600_000);
        """), self.engine.env())
        self.assertLess(elapsed, 3.0)
        hour = [r for r in self.engine.sleeps()
                if abs(r["until"] - NOW - 3600 * SEC) < SEC]
        self.assertEqual(len(hour), 1, self.engine.sleeps())
        self.assertGreaterEqual(lines[0]["after"] - lines[0]["before"],
                                3600_000)
        self.assertLess(lines[0]["after"] - lines[0]["before"], 3601_000)

    def test_spin_loop_on_performance_now_ends_the_same_way_each_run(self):
        # V8 finishes its concurrent (background) optimizations on the main
        # thread at a moment that depends on real timing, and times that
        # with a few clock reads of its own: Node runs with
        # --no-concurrent-recompilation for the count to be exact (with it
        # the count varies by a few dozen in 50,000).
        code = node("""
            let n = 0;
            const start = performance.now();
            do { n++; } while (performance.now() - start < 5);
            console.log(JSON.stringify({n}));
        """)
        counts = [run(code, self.engine.env())[0][0]["n"] for _ in range(2)]
        self.assertEqual(counts[0], counts[1])
        self.assertGreater(counts[0], 4000)  # 5 ms of 1 us ticks
        self.assertLessEqual(counts[0], 5000)


@unittest.skipIf(CC is None, "cc is not installed")
class CProgramTest(ClockTestCase):
    PROGRAM = r"""
        #define _GNU_SOURCE
        #include <errno.h>
        #include <poll.h>
        #include <pthread.h>
        #include <signal.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <sys/select.h>
        #include <sys/time.h>
        #include <sys/timerfd.h>
        #include <time.h>
        #include <unistd.h>

        static void add_ms(struct timespec *ts, long ms) {
          ts->tv_nsec += ms * 1000000;
          if (ts->tv_nsec >= 1000000000) {
            ts->tv_sec++;
            ts->tv_nsec -= 1000000000;
          }
        }

        static int64_t ns(clockid_t id) {
          struct timespec ts;
          clock_gettime(id, &ts);
          return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
        static void on_alarm(int sig) { (void)sig; }

        /* A signal during a sleep: nanosleep fails with EINTR and the time
           left, sleep returns the seconds left. */
        static int interrupted(void) {
          struct sigaction sa = {0};
          sa.sa_handler = on_alarm;  /* no SA_RESTART */
          sigaction(SIGALRM, &sa, NULL);
          struct itimerval it = {{0, 0}, {0, 100000}};
          setitimer(ITIMER_REAL, &it, NULL);
          struct timespec ten = {10, 0}, rem = {0, 0};
          int r = nanosleep(&ten, &rem);
          int error = errno;
          setitimer(ITIMER_REAL, &it, NULL);
          unsigned left = sleep(30);
          printf("{\"r\": %d, \"errno\": %d, \"rem\": %lld, "
                 "\"sleep_left\": %u}\n", r, error,
                 (long long)rem.tv_sec * 1000000000 + rem.tv_nsec, left);
          return 0;
        }

        int main(int argc, char **argv) {
          (void)argv;
          if (argc > 1) return interrupted();
          struct timeval tv;
          gettimeofday(&tv, NULL);
          long long real = ns(CLOCK_REALTIME);
          long long mono = ns(CLOCK_MONOTONIC);
          long long boot = ns(CLOCK_BOOTTIME);
          long long t = time(NULL);
          long long cpu = ns(CLOCK_PROCESS_CPUTIME_ID);
          struct timespec utc;
          int base = timespec_get(&utc, TIME_UTC);
          printf("{\"step\": \"start\", \"tod_us\": %lld, \"real\": %lld, "
                 "\"mono\": %lld, \"boot\": %lld, \"time\": %lld, "
                 "\"cpu\": %lld, \"utc\": %lld, \"base\": %d}\n",
                 (long long)tv.tv_sec * 1000000 + tv.tv_usec, real, mono, boot,
                 t, cpu, (long long)utc.tv_sec * 1000000000 + utc.tv_nsec,
                 base);
          struct timespec ten = {10, 0};
          nanosleep(&ten, NULL);
          struct timespec abs;
          clock_gettime(CLOCK_MONOTONIC, &abs);
          abs.tv_sec += 20;
          clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
          usleep(500000);
          sleep(2);
          poll(NULL, 0, 1000);
          struct timeval one = {1, 0};
          select(0, NULL, NULL, NULL, &one);
          struct timespec three = {3, 0}, four = {4, 0};
          ppoll(NULL, 0, &three, NULL);
          pselect(0, NULL, NULL, NULL, &four, NULL);
          printf("{\"step\": \"slept\", \"real\": %lld}\n",
                 (long long)ns(CLOCK_REALTIME));

          /* A timed wait on a CLOCK_MONOTONIC condition and an absolute
             timerfd: the real time they take is their virtual length. */
          pthread_condattr_t attr;
          pthread_condattr_init(&attr);
          pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
          pthread_cond_t cond;
          pthread_cond_init(&cond, &attr);
          pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
          pthread_mutex_lock(&mutex);
          clock_gettime(CLOCK_MONOTONIC, &abs);
          add_ms(&abs, 50);
          int r = pthread_cond_timedwait(&cond, &mutex, &abs);
          pthread_mutex_unlock(&mutex);
          int fd = timerfd_create(CLOCK_REALTIME, 0);
          struct itimerspec its = {{0, 0}, {0, 0}};
          clock_gettime(CLOCK_REALTIME, &its.it_value);
          add_ms(&its.it_value, 30);
          timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
          uint64_t expirations = 0;
          ssize_t got = read(fd, &expirations, sizeof expirations);
          printf("{\"step\": \"waited\", \"cond\": %d, \"timerfd\": %lld}\n",
                 r, (long long)(got == 8 ? expirations : 0));
          return 0;
        }
    """

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="fanlab-clock-c-")
        source = os.path.join(self.dir, "clocks.c")
        with open(source, "w") as f:
            f.write(textwrap.dedent(self.PROGRAM))
        self.binary = os.path.join(self.dir, "clocks")
        subprocess.run([CC, "-O1", "-o", self.binary, source, "-lpthread"],
                       check=True)

    def tearDown(self):
        shutil.rmtree(self.dir)
        super().tearDown()

    def test_c_clocks_sleeps_and_timed_waits(self):
        # Virtual time, realtime and monotonic, a day ahead of the real one.
        now = time.time_ns() + DAY
        self.engine.set_now(now)
        base = now - (time.monotonic_ns() + DAY)
        self.engine.map[16:24] = struct.pack("<q", base)
        lines, _, elapsed = run([self.binary], self.engine.env())
        start, slept, waited = lines
        self.assertEqual(start["tod_us"], now // 1000)
        self.assertEqual(start["real"], now + 1000)
        self.assertEqual(start["mono"], now + 2000 - base)
        self.assertEqual(start["boot"], now + 3000 - base)
        self.assertEqual(start["time"], now // SEC)
        self.assertLess(start["cpu"], 5 * SEC)  # CPU time: passed through
        self.assertEqual(start["utc"], now + 5000)
        self.assertEqual(start["base"], 1)  # TIME_UTC
        untils = [r["until"] - now for r in self.engine.sleeps()]
        # nanosleep 10 s, clock_nanosleep to mono + 20 s, usleep 0.5 s,
        # sleep 2 s, poll 1 s, select 1 s, ppoll 3 s, pselect 4 s: the
        # emulator is asked for each length from the previous wake (its
        # time, without the thread's ticks); the thread's own clock wakes
        # at its own deadlines, its reads' ticks included.
        expected = []
        t = 0
        thread = 5000  # the six reads above (CPU time is not one)
        for seconds, read_first in ((10, False), (20, True), (0.5, False),
                                    (2, False), (1, False), (1, False),
                                    (3, False), (4, False)):
            t += int(seconds * SEC)
            expected.append(t)
            if read_first:
                thread += 1000
            thread += int(seconds * SEC)
        self.assertEqual(untils, expected)
        self.assertEqual(slept["real"], now + thread + 1000)
        self.assertEqual(waited["cond"], 110)  # ETIMEDOUT
        self.assertEqual(waited["timerfd"], 1)
        # The 50 ms condition wait and the 30 ms timer, really waited.
        self.assertGreaterEqual(elapsed, 0.08)
        self.assertLess(elapsed, 5.0)

    def test_c_signal_interrupts_sleeps_with_the_time_left(self):
        self.engine.mode = "hold"
        lines, _, elapsed = run([self.binary, "interrupt"], self.engine.env())
        out = lines[0]
        self.assertEqual(out["r"], -1)
        self.assertEqual(out["errno"], 4)  # EINTR
        self.assertEqual(out["rem"], 10 * SEC)
        self.assertEqual(out["sleep_left"], 30)
        self.assertLess(elapsed, 3.0)
        sleeps = self.engine.sleeps()
        self.assertEqual([r["until"] - NOW for r in sleeps],
                         [10 * SEC, 30 * SEC])
        self.assertTrue(all(r["cancelled"] for r in sleeps))
        self.assertEqual(self.engine.cancels, [r["port"] for r in sleeps])


@unittest.skipIf(CXX is None, "c++ is not installed")
class CxxProgramTest(ClockTestCase):
    # fanlab's own C++ functions: std::chrono's clocks,
    # std::this_thread::sleep_for (nanosleep inside libstdc++) and
    # std::condition_variable::wait_for (pthread_cond_clockwait on the
    # steady clock).
    PROGRAM = r"""
        #include <chrono>
        #include <condition_variable>
        #include <cstdio>
        #include <mutex>
        #include <thread>
        using namespace std::chrono;

        int main() {
          auto system = system_clock::now().time_since_epoch();
          auto steady = steady_clock::now().time_since_epoch();
          std::this_thread::sleep_for(hours(1));
          auto slept = steady_clock::now().time_since_epoch() - steady;
          std::mutex mu;
          std::condition_variable cv;
          std::unique_lock<std::mutex> lock(mu);
          auto start = steady_clock::now();
          cv.wait_for(lock, milliseconds(50));
          auto waited = steady_clock::now() - start;
          std::printf("{\"system\": %lld, \"steady\": %lld, "
                      "\"slept\": %lld, \"waited\": %lld}\n",
                      (long long)duration_cast<nanoseconds>(system).count(),
                      (long long)duration_cast<nanoseconds>(steady).count(),
                      (long long)duration_cast<nanoseconds>(slept).count(),
                      (long long)duration_cast<nanoseconds>(waited).count());
        }
    """

    def test_cxx_clocks_sleep_for_and_wait_for(self):
        with tempfile.TemporaryDirectory(prefix="fanlab-clock-cc-") as d:
            source = os.path.join(d, "clocks.cc")
            with open(source, "w") as f:
                f.write(textwrap.dedent(self.PROGRAM))
            binary = os.path.join(d, "clocks")
            subprocess.run([CXX, "-std=c++20", "-O1", "-o", binary, source,
                            "-pthread"], check=True)
            # Virtual time a day ahead of the real one.
            now = time.time_ns() + DAY
            base = now - (time.monotonic_ns() + DAY)
            self.engine.set_now(now)
            self.engine.map[16:24] = struct.pack("<q", base)
            lines, _, elapsed = run([binary], self.engine.env())
        out = lines[0]
        self.assertEqual(out["system"], now)
        self.assertEqual(out["steady"], now + 1000 - base)
        self.assertEqual(out["slept"], 3600 * SEC + 1000)
        sleeps = self.engine.sleeps()
        self.assertEqual([r["until"] for r in sleeps], [now + 3600 * SEC])
        # The condition wait: 50 ms of real time, a few ticks of virtual.
        self.assertLess(out["waited"], 50 * 1000)
        self.assertGreaterEqual(elapsed, 0.05)
        self.assertLess(elapsed, 5.0)


def main():
    if PYTHON is None or not os.path.exists(SHIM):
        print("skipped: /usr/bin/python3 or %s is missing" % SHIM)
        sys.exit(SKIP)
    unittest.main()


if __name__ == "__main__":
    main()
