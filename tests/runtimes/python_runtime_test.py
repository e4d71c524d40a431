"""fanlab's Python runtime client (functions/runtimes/python/bootstrap.py)
driven through the fake Runtime API: what a handler sees and what the
Runtime API receives, against AWS's documented behaviour."""

import json
import re
import socket
import threading
import unittest

from runtime_fixture import VIA_ZYGOTE, RuntimeFixture, exit_unless_found


class RawRuntimeApi:
    """A Runtime API that answers each request, in order, with scripted raw
    bytes, to check how the client reads HTTP. `answers` is a list of
    (bytes, close): `close` ends the connection after the answer, without
    saying so. `requests` records (connection number, request line, body).
    Once the answers run out, every connection is closed."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        number = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            number += 1
            with conn, conn.makefile("rb") as reader:
                while self.answers:
                    line = reader.readline()
                    if not line:
                        break
                    length = 0
                    while True:
                        header = reader.readline()
                        if header in (b"\r\n", b""):
                            break
                        name, _, value = header.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    body = reader.read(length)
                    self.requests.append((number, line.strip().decode(),
                                          body))
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def close(self):
        self._sock.close()


def next_answer(request_id, event, chunked=False, extra_headers=""):
    body = json.dumps(event).encode()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Lambda-Runtime-Aws-Request-Id: %s\r\n"
            "Lambda-Runtime-Deadline-Ms: 99999999999999\r\n%s" %
            (request_id, extra_headers))
    if not chunked:
        return (head + "Content-Length: %d\r\n\r\n" % len(body)).encode() + \
            body
    half = len(body) // 2
    return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + \
        b"%x;ext=1\r\n%s\r\n%X\r\n%s\r\n0\r\nTrailer: t\r\n\r\n" % (
            half, body[:half], len(body) - half, body[half:])


ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"


class PythonRuntimeTest(RuntimeFixture):
    LANGUAGE = "python"

    # ---- the loop --------------------------------------------------------

    def test_returns_handler_result_as_json(self):
        self.write("app.py", """
            def handler(event, context):
                return {"echo": event, "n": 1}
        """)
        post = self.run_one("app.handler", {"x": [1, "two"]})
        self.assertEqual(post.kind, "response")
        self.assertEqual(post.json(), {"echo": {"x": [1, "two"]}, "n": 1})
        self.assertEqual(post.headers["content-type"], "application/json")

    def test_none_result_is_null(self):
        self.write("app.py", """
            def handler(event, context):
                pass
        """)
        self.assertEqual(self.run_one("app.handler", {}).body, b"null")

    def test_nested_module_path(self):
        self.write("dir/sub/app.py", """
            def handler(event, context):
                return __name__
        """)
        post = self.run_one("dir/sub/app.handler", {})
        self.assertEqual(post.json(), "dir.sub.app")

    def test_task_root_is_on_sys_path_and_bootstrap_folder_is_not(self):
        self.write("helper.py", "VALUE = 42\n")
        self.write("app.py", """
            import sys, helper
            def handler(event, context):
                return [helper.VALUE, any(p.endswith("runtimes/python")
                                         for p in sys.path)]
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(), [42, False])

    def test_warm_invocations_share_process_and_connection(self):
        self.write("app.py", """
            import os
            count = 0
            def handler(event, context):
                global count
                count += 1
                return {"count": count, "pid": os.getpid(),
                        "id": context.aws_request_id, "i": event["i"]}
        """)
        n = 50
        for i in range(n):
            self.api.invoke({"i": i}, "req-%d" % i)
        self.start("app.handler")
        posts = self.api.wait_posts(n)
        self.assertEqual([p.json()["count"] for p in posts],
                         list(range(1, n + 1)))
        self.assertEqual([p.json()["i"] for p in posts], list(range(n)))
        self.assertEqual({p.json()["id"] for p in posts},
                         {"req-%d" % i for i in range(n)})
        self.assertEqual(len({p.json()["pid"] for p in posts}), 1)
        self.assertEqual(self.api.connections, 1)

    # ---- HTTP to the Runtime API -----------------------------------------

    def start_raw(self, answers):
        raw = RawRuntimeApi(answers)
        self.addCleanup(raw.close)
        self.write("app.py", """
            def handler(event, context):
                return {"got": event, "id": context.aws_request_id}
        """)
        self.start("app.handler", {"AWS_LAMBDA_RUNTIME_API": raw.address})
        return raw

    def test_chunked_answer_and_resend_after_keep_alive_close(self):
        raw = self.start_raw([
            (next_answer("r1", {"a": 1}, chunked=True), False),
            # The server drops the connection after this answer without
            # saying so: the next GET goes out again on a new connection.
            (ACCEPTED, True),
            (next_answer("r2", {"b": "x" * 100000}), False),
            (ACCEPTED, False),
        ])
        self.assertNotEqual(self.wait_exit(), 0)
        self.assertEqual(
            [(n, line.split()[1].rsplit("/", 2)[-2:]) for n, line, _ in
             raw.requests],
            [(1, ["invocation", "next"]), (1, ["r1", "response"]),
             (2, ["invocation", "next"]), (2, ["r2", "response"])])
        self.assertEqual(json.loads(raw.requests[1][2]),
                         {"got": {"a": 1}, "id": "r1"})
        self.assertEqual(json.loads(raw.requests[3][2]),
                         {"got": {"b": "x" * 100000}, "id": "r2"})
        # After the last answer the server closes everything: a clear
        # error, not a traceback.
        self.assertIn("the connection was closed before the answer",
                      self.stderr())
        self.assertNotIn("Traceback", self.stderr())

    def test_answer_header_section_is_bounded(self):
        # Up to 64 KiB of status line and headers is read; more is an error.
        fits = "X-Pad: %s\r\n" % ("p" * 60000)
        raw = self.start_raw([
            (next_answer("r1", {}, extra_headers=fits), False),
            (ACCEPTED, False),
            (next_answer("r2", {}, extra_headers=fits + fits), False),
        ])
        self.assertEqual(self.wait_exit(), 1)
        self.assertEqual(len(raw.requests), 3)
        self.assertIn("header section longer than 65536 bytes",
                      self.stderr())

    def test_malformed_answer_is_a_clear_error(self):
        self.start_raw([(b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
                         False)])
        self.assertEqual(self.wait_exit(), 1)
        self.assertIn("malformed status line 'HTTP/1.1 2x0 OK'",
                      self.stderr())

    def test_chunk_size_must_be_hex(self):
        self.start_raw([(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                         b"\r\n\r\nzz\r\n", False)])
        self.assertEqual(self.wait_exit(), 1)
        self.assertIn("malformed chunk size line b'zz'", self.stderr())

    # ---- context ---------------------------------------------------------

    def test_context_fields(self):
        self.write("app.py", """
            import os
            def handler(event, context):
                cc = context.client_context
                return {
                    "aws_request_id": context.aws_request_id,
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "client_custom": cc.custom,
                    "client_app_title": cc.client.app_title,
                    "identity_id": context.identity.cognito_identity_id,
                    "identity_pool": context.identity.cognito_identity_pool_id,
                    "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                }
        """)
        post = self.run_one(
            "app.handler", {}, request_id="abc-123",
            headers={
                "Lambda-Runtime-Client-Context":
                    '{"custom":{"k":"v"},"env":{},"client":{"app_title":"t"}}',
                "Lambda-Runtime-Cognito-Identity":
                    '{"cognitoIdentityId":"id1","cognitoIdentityPoolId":"p1"}',
            })
        self.assertEqual(post.json(), {
            "aws_request_id": "abc-123",
            "function_name": "fn",
            "function_version": "$LATEST",
            "invoked_function_arn":
                "arn:aws:lambda:us-east-1:000000000000:function:fn",
            "memory_limit_in_mb": "128",
            "log_group_name": "/aws/lambda/fn",
            "log_stream_name": "2026/12/06/[$LATEST]abc",
            "client_custom": {"k": "v"},
            "client_app_title": "t",
            "identity_id": "id1",
            "identity_pool": "p1",
            "trace": "Root=1-00000000-abc-123",
        })

    def test_context_without_client_context_or_identity(self):
        self.write("app.py", """
            def handler(event, context):
                return [context.client_context is None,
                        context.identity.cognito_identity_id]
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(), [True, None])

    def test_remaining_time_on_the_emulators_clock(self):
        # A virtual clock far from the wall clock: 5 s left on it.
        self.write("app.py", """
            def handler(event, context):
                return context.get_remaining_time_in_millis()
        """)
        now = 1_000_000_000
        post = self.run_one("app.handler", {}, deadline_ms=now + 5000,
                            now_ms=now)
        self.assertLessEqual(post.json(), 5000)
        self.assertGreater(post.json(), 0)

    def test_remaining_time_runs_at_real_speed(self):
        self.write("app.py", """
            import time
            def handler(event, context):
                a = context.get_remaining_time_in_millis()
                time.sleep(0.2)
                return [a, context.get_remaining_time_in_millis()]
        """)
        now = 5_000
        a, b = self.run_one("app.handler", {}, deadline_ms=now + 60000,
                            now_ms=now).json()
        self.assertGreaterEqual(a - b, 200)

    def test_remaining_time_is_never_negative(self):
        self.write("app.py", """
            def handler(event, context):
                return context.get_remaining_time_in_millis()
        """)
        post = self.run_one("app.handler", {}, deadline_ms=1000, now_ms=2000)
        self.assertEqual(post.json(), 0)

    def test_remaining_time_falls_back_to_the_wall_clock(self):
        import time
        self.write("app.py", """
            def handler(event, context):
                return context.get_remaining_time_in_millis()
        """)
        post = self.run_one("app.handler", {},
                            deadline_ms=int(time.time() * 1000) + 30000)
        self.assertLessEqual(post.json(), 30000)
        self.assertGreater(post.json(), 0)

    # ---- init errors -----------------------------------------------------

    def test_missing_module(self):
        error = self.init_error("nope.handler").json()
        self.assertEqual(error, {
            "errorMessage": "Unable to import module 'nope': No module named "
                            "'nope'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        })

    def test_missing_dependency_of_the_module(self):
        self.write("app.py", "import not_installed_pkg\n")
        post = self.init_error("app.handler")
        self.assertEqual(post.json()["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(
            post.json()["errorMessage"],
            "Unable to import module 'app': No module named "
            "'not_installed_pkg'")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"],
                         "Runtime.ImportModuleError")

    def test_missing_handler(self):
        self.write("app.py", "x = 1\n")
        error = self.init_error("app.nope").json()
        self.assertEqual(error["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(error["errorMessage"],
                         "Handler 'nope' missing on module 'app'")

    def test_syntax_error_names_file_and_line(self):
        self.write("bad.py", "def handler(event, context):\n    return (\n")
        error = self.init_error("bad.handler").json()
        self.assertEqual(error["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(
            error["errorMessage"].startswith("Syntax error in module 'bad': "),
            error)
        self.assertIn("bad.py, line 2", error["errorMessage"])
        self.assertEqual(len(error["stackTrace"]), 1)
        self.assertTrue(error["stackTrace"][0].startswith(
            '  File "%s/bad.py" Line 2\n' % self.code_dir), error)

    def test_malformed_handler_name(self):
        error = self.init_error("app").json()
        self.assertEqual(error["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(
            error["errorMessage"],
            "Bad handler 'app': not enough values to unpack (expected 2, got 1)")

    def test_handler_not_callable_fails_at_the_call(self):
        # As in AWS: only the attribute's presence is checked at init.
        self.write("app.py", "handler = 42\n")
        post = self.run_one("app.handler", {})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"], "TypeError")
        self.assertEqual(post.json()["errorMessage"],
                         "'int' object is not callable")

    def test_runtime_folder_is_not_on_sys_path_under_safe_path(self):
        self.write("app.py", """
            import sys
            def handler(event, context):
                return sys.path[0]
        """)
        post = self.run_one("app.handler", {}, env={"PYTHONSAFEPATH": "1"})
        self.assertEqual(post.json(), self.code_dir)

    def test_builtin_module_conflict(self):
        error = self.init_error("sys.handler").json()
        self.assertEqual(error["errorType"], "Runtime.BuiltInModuleConflict")
        self.assertEqual(error["errorMessage"],
                         "Cannot use built-in module sys as a handler module")

    def test_module_raising_at_import_reports_its_own_error(self):
        self.write("app.py", "raise ValueError('no config')\n")
        error = self.init_error("app.handler").json()
        self.assertEqual(error["errorType"], "ValueError")
        self.assertEqual(error["errorMessage"], "no config")
        self.assertTrue(any("app.py" in line for line in error["stackTrace"]))
        self.assertIn("[ERROR] ValueError: no config", self.stdout())

    # ---- invocation errors -----------------------------------------------

    def test_handler_exception_shape(self):
        self.write("app.py", """
            def helper():
                raise KeyError("missing")

            def handler(event, context):
                helper()
        """)
        post = self.run_one("app.handler", {}, request_id="req-e")
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"],
                         "Unhandled")
        error = post.json()
        self.assertEqual(error["errorType"], "KeyError")
        self.assertEqual(error["errorMessage"], "'missing'")
        self.assertEqual(error["requestId"], "req-e")
        # traceback.format_list's lines (3.13 adds a line of carets).
        trace = error["stackTrace"]
        self.assertEqual(len(trace), 2, trace)
        self.assertTrue(trace[0].startswith(
            '  File "%s/app.py", line 5, in handler\n    helper()\n' %
            self.code_dir), trace)
        self.assertTrue(trace[1].startswith(
            '  File "%s/app.py", line 2, in helper\n'
            '    raise KeyError("missing")\n' % self.code_dir), trace)
        log = self.stdout()
        self.assertIn("[ERROR] KeyError: 'missing'\rTraceback (most recent "
                      "call last):\r\u00a0\u00a0File \"%s/app.py\", line 5, in "
                      "handler\r\u00a0\u00a0\u00a0\u00a0helper()\r" %
                      self.code_dir, log)

    def test_process_survives_a_handler_exception(self):
        self.write("app.py", """
            def handler(event, context):
                if event["fail"]:
                    raise RuntimeError("bad")
                return "ok"
        """)
        self.api.invoke({"fail": True}, "r1")
        self.api.invoke({"fail": False}, "r2")
        self.start("app.handler")
        first, second = self.api.wait_posts(2)
        self.assertEqual((first.kind, second.kind), ("error", "response"))
        self.assertEqual(second.json(), "ok")

    def test_result_not_json_serialisable(self):
        self.write("app.py", """
            def handler(event, context):
                return {"s": {1, 2}}
        """)
        post = self.run_one("app.handler", {}, request_id="req-m")
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json(), {
            "errorMessage": "Unable to marshal response: Object of type set "
                            "is not JSON serializable",
            "errorType": "Runtime.MarshalError",
            "requestId": "req-m",
            "stackTrace": [],
        })

    def test_decimal_results_are_numbers(self):
        self.write("app.py", """
            from decimal import Decimal
            def handler(event, context):
                return [Decimal("3"), Decimal("2.5")]
        """)
        self.assertEqual(self.run_one("app.handler", {}).body, b"[3, 2.5]")

    def test_bytes_result_is_sent_raw(self):
        self.write("app.py", """
            def handler(event, context):
                return b"raw\\x00bytes"
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual(post.body, b"raw\x00bytes")
        self.assertEqual(post.headers["content-type"], "application/unknown")

    # ---- logs ------------------------------------------------------------

    def test_logging_format_and_print(self):
        self.write("app.py", """
            import logging
            logger = logging.getLogger()
            logger.setLevel(logging.INFO)
            logging.info("at init")
            def handler(event, context):
                logger.info("hello %s", "world")
                logging.getLogger("child").warning("careful")
                print("plain print")
                return 1
        """)
        self.run_one("app.handler", {}, request_id="req-log")
        lines = self.stdout().splitlines()
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
        self.assertRegex(lines[0], r"^\[INFO\]\t%s\t\tat init$" % stamp)
        self.assertRegex(lines[1],
                         r"^\[INFO\]\t%s\treq-log\thello world$" % stamp)
        self.assertRegex(lines[2],
                         r"^\[WARNING\]\t%s\treq-log\tcareful$" % stamp)
        self.assertEqual(lines[3], "plain print")

    @unittest.skipIf(VIA_ZYGOTE, "the fork server has imported logging")
    def test_logging_imported_only_by_the_handler_has_the_format(self):
        self.write("app.py", """
            import sys
            def handler(event, context):
                already = "logging" in sys.modules
                import logging
                logging.warning("late %d", 1)
                return already
        """)
        post = self.run_one("app.handler", {}, request_id="req-late")
        self.assertRegex(self.stdout(),
                         r"^\[WARNING\]\t\S+Z\treq-late\tlate 1\n$")
        # Nothing the runtime does at start imports it.
        self.assertEqual(post.json(), False)

    def test_root_logger_level_defaults_to_warning(self):
        self.write("app.py", """
            import logging
            def handler(event, context):
                logging.info("hidden")
                logging.error("shown")
        """)
        self.run_one("app.handler", {}, request_id="r")
        out = self.stdout()
        self.assertNotIn("hidden", out)
        self.assertTrue(re.search(r"^\[ERROR\]\t\S+\tr\tshown$", out, re.M),
                        out)

    def test_log_level_from_environment(self):
        self.write("app.py", """
            import logging
            def handler(event, context):
                logging.debug("dbg")
        """)
        self.run_one("app.handler", {}, env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"})
        self.assertIn("[DEBUG]", self.stdout())


if __name__ == "__main__":
    exit_unless_found("python3")
    unittest.main(verbosity=2)
