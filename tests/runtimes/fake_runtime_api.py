"""A fake Lambda Runtime API (2018-06-01) for testing fanlab's runtime clients.

It listens on 127.0.0.1, port 0 (the kernel picks one: read `address`),
hands out scripted invocations to GET /runtime/invocation/next (blocking
while none is queued, as the real API does) and records every POST:
invocation responses, invocation errors and init errors, with their headers.
Standard library only.

    api = FakeRuntimeApi()
    api.invoke({"x": 1}, request_id="r1")       # queue an invocation
    ... start a runtime with AWS_LAMBDA_RUNTIME_API=api.address ...
    post = api.wait_posts(1)[0]                 # Post(kind, request_id, ...)
    api.close()

Every wait has a hang guard (`timeout`, seconds): a runtime that never
answers fails the test instead of stalling the run.
"""

import http.server
import json
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

API = "/2018-06-01/runtime"
NOW_HEADER = "Lambda-Runtime-Fanlab-Now-Ms"


@dataclass
class Post:
    kind: str  # "response", "error" or "init_error"
    request_id: str  # "" for init errors
    body: bytes
    headers: dict  # lower-case names
    connection: int  # which TCP connection carried it (keep-alive check)

    def json(self):
        return json.loads(self.body)


@dataclass
class Invocation:
    event: bytes
    request_id: str
    deadline_ms: int
    now_ms: int = None  # sent as Lambda-Runtime-Fanlab-Now-Ms when set
    headers: dict = field(default_factory=dict)


class FakeRuntimeApi:
    def __init__(self):
        self._invocations = queue.Queue()
        self._posts = []
        self._nexts = 0
        self._cond = threading.Condition()
        self._connections = 0
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in separate writes: without TCP_NODELAY
            # Nagle's algorithm and delayed ACKs add 40 ms to each answer.
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with api._cond:
                    api._connections += 1
                    self.connection_number = api._connections

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != API + "/invocation/next":
                    return self._reply(404, b'{"errorType":"NotFound"}')
                with api._cond:
                    api._nexts += 1
                    api._cond.notify_all()
                inv = api._invocations.get()
                if inv is None:  # closing: end this connection
                    self.close_connection = True
                    return self._reply(500, b"closing")
                headers = {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn":
                        "arn:aws:lambda:us-east-1:000000000000:function:fn",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-%s" %
                        inv.request_id,
                }
                if inv.now_ms is not None:
                    headers[NOW_HEADER] = str(inv.now_ms)
                headers.update(inv.headers)
                self._reply(200, inv.event, headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                path = self.path
                if path == API + "/init/error":
                    kind, request_id = "init_error", ""
                elif path.startswith(API + "/invocation/") and (
                        path.endswith("/response") or path.endswith("/error")):
                    request_id, _, kind = path[len(API + "/invocation/"):] \
                        .rpartition("/")
                else:
                    return self._reply(404, b'{"errorType":"NotFound"}')
                post = Post(kind, request_id, body,
                            {k.lower(): v for k, v in self.headers.items()},
                            self.connection_number)
                with api._cond:
                    api._posts.append(post)
                    api._cond.notify_all()
                self._reply(202, b'{"status":"OK"}')

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A runtime killed at the end of a test is not an error.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._server = Server(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()

    def invoke(self, event, request_id, deadline_ms=None, now_ms=None,
               headers=None):
        """Queues one invocation; `event` is JSON-encoded unless bytes."""
        if not isinstance(event, bytes):
            event = json.dumps(event).encode()
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 60000
        self._invocations.put(
            Invocation(event, request_id, deadline_ms, now_ms, headers or {}))

    def wait_posts(self, count, timeout=30):
        """The first `count` posts, waiting for them to arrive."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._posts) >= count,
                                       timeout):
                raise AssertionError("expected %d posts, got %d: %r" %
                                     (count, len(self._posts), self._posts))
            return list(self._posts[:count])

    def wait_nexts(self, count, timeout=30):
        """Waits until `count` GET next requests have arrived."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._nexts >= count, timeout):
                raise AssertionError("expected %d GET next, got %d" %
                                     (count, self._nexts))

    @property
    def posts(self):
        with self._cond:
            return list(self._posts)

    @property
    def connections(self):
        with self._cond:
            return self._connections

    def close(self):
        for _ in range(8):
            self._invocations.put(None)
        self._server.shutdown()
        self._server.server_close()
