"""fanlab's Node.js runtime client (functions/runtimes/node/bootstrap.mjs)
driven through the fake Runtime API: what a handler sees and what the
Runtime API receives, against the behaviour of AWS's nodejs18.x-22.x
runtimes."""

import json
import re
import unittest

from runtime_fixture import RuntimeFixture, exit_unless_found

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class NodeRuntimeTest(RuntimeFixture):
    LANGUAGE = "node"

    # ---- module kinds and handler styles ---------------------------------

    def test_commonjs_async_handler(self):
        self.write("index.js", """
            exports.handler = async (event) => ({ echo: event, kind: 'cjs' });
        """)
        post = self.run_one("index.handler", {"x": [1, "two"]})
        self.assertEqual(post.kind, "response")
        self.assertEqual(post.json(), {"echo": {"x": [1, "two"]}, "kind": "cjs"})

    def test_es_module_mjs(self):
        self.write("app.mjs", """
            export const handler = async (event) => ({ kind: 'mjs', n: event.n });
        """)
        self.assertEqual(self.run_one("app.handler", {"n": 3}).json(),
                         {"kind": "mjs", "n": 3})

    def test_es_module_js_under_type_module(self):
        self.write("package.json", '{"type": "module"}')
        self.write("app.js", """
            import { kind } from './lib.js';
            export async function handler() { return kind; }
        """)
        self.write("lib.js", "export const kind = 'esm-js';\n")
        self.assertEqual(self.run_one("app.handler", {}).json(), "esm-js")

    def test_cjs_extension(self):
        self.write("app.cjs", """
            module.exports = { handler: async () => 'cjs-ext' };
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(), "cjs-ext")

    def test_nested_module_path_and_nested_function(self):
        self.write("dir/sub/app.js", """
            exports.handlers = { main: async () => __filename };
        """)
        post = self.run_one("dir/sub/app.handlers.main", {})
        self.assertEqual(post.json(), self.code_dir + "/dir/sub/app.js")

    def test_promise_returning_function(self):
        self.write("app.js", """
            exports.handler = (event) => Promise.resolve(event.v * 2);
        """)
        self.assertEqual(self.run_one("app.handler", {"v": 21}).json(), 42)

    def test_callback_handler(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              callback(null, { got: event.v });
            };
        """)
        self.assertEqual(self.run_one("app.handler", {"v": 1}).json(),
                         {"got": 1})

    def test_callback_waits_for_empty_event_loop_by_default(self):
        # The result object changes in a timer after the callback: with the
        # flag true the response is sent once that timer has run.
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              const result = { timer: 'pending',
                               waits: context.callbackWaitsForEmptyEventLoop };
              setTimeout(() => { result.timer = 'ran'; }, 50);
              callback(null, result);
            };
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(),
                         {"timer": "ran", "waits": True})

    def test_callback_without_waiting_responds_at_once(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              context.callbackWaitsForEmptyEventLoop = false;
              const result = { timer: 'pending' };
              setTimeout(() => { result.timer = 'ran'; }, 50);
              callback(null, result);
            };
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(),
                         {"timer": "pending"})

    def test_async_handler_does_not_wait_for_the_event_loop(self):
        self.write("app.mjs", """
            export const handler = async () => {
              const result = { timer: 'pending' };
              setTimeout(() => { result.timer = 'ran'; }, 50);
              return result;
            };
        """)
        self.assertEqual(self.run_one("app.handler", {}).json(),
                         {"timer": "pending"})

    def test_callback_handler_that_never_calls_back_answers_null(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {};
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual((post.kind, post.body), ("response", b"null"))

    def test_async_handler_whose_promise_never_settles(self):
        self.write("app.mjs", """
            export const handler = async () => new Promise(() => {});
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"], "Runtime.NodeJsExit")

    def test_legacy_context_succeed_done_fail(self):
        self.write("app.js", """
            exports.handler = (event, context) => {
              if (event.how === 'succeed') context.succeed({ ok: 1 });
              if (event.how === 'done') context.done(null, 'done-result');
              if (event.how === 'fail') context.fail('failed-string');
            };
        """)
        self.api.invoke({"how": "succeed"}, "r1")
        self.api.invoke({"how": "done"}, "r2")
        self.api.invoke({"how": "fail"}, "r3")
        self.start("app.handler")
        first, second, third = self.api.wait_posts(3)
        self.assertEqual(first.json(), {"ok": 1})
        self.assertEqual(second.json(), "done-result")
        self.assertEqual(third.kind, "error")
        self.assertEqual(third.json(), {"errorType": "string",
                                        "errorMessage": "failed-string",
                                        "trace": []})

    def test_only_the_first_completion_counts(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              context.callbackWaitsForEmptyEventLoop = false;
              callback(null, 'first');
              callback(null, 'second');
              context.succeed('third');
            };
        """)
        self.api.invoke({}, "r1")
        self.api.invoke({}, "r2")
        self.start("app.handler")
        first, second = self.api.wait_posts(2)
        self.assertEqual([first.json(), second.json()], ["first", "first"])
        self.assertEqual([first.request_id, second.request_id], ["r1", "r2"])

    def test_warm_invocations_share_process_and_connection(self):
        self.write("app.js", """
            let count = 0;
            exports.handler = async (event, context) => ({
              count: ++count, pid: process.pid, id: context.awsRequestId,
              i: event.i });
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

    # ---- context ---------------------------------------------------------

    def test_context_fields(self):
        self.write("app.js", """
            exports.handler = async (event, context) => ({
              awsRequestId: context.awsRequestId,
              functionName: context.functionName,
              functionVersion: context.functionVersion,
              invokedFunctionArn: context.invokedFunctionArn,
              memoryLimitInMB: context.memoryLimitInMB,
              logGroupName: context.logGroupName,
              logStreamName: context.logStreamName,
              clientContext: context.clientContext,
              identity: context.identity,
              waits: context.callbackWaitsForEmptyEventLoop,
              legacy: [typeof context.done, typeof context.succeed,
                       typeof context.fail],
              trace: process.env._X_AMZN_TRACE_ID,
            });
        """)
        post = self.run_one(
            "app.handler", {}, request_id="abc-123",
            headers={
                "Lambda-Runtime-Client-Context": '{"custom":{"k":"v"}}',
                "Lambda-Runtime-Cognito-Identity":
                    '{"cognitoIdentityId":"id1"}',
            })
        self.assertEqual(post.json(), {
            "awsRequestId": "abc-123",
            "functionName": "fn",
            "functionVersion": "$LATEST",
            "invokedFunctionArn":
                "arn:aws:lambda:us-east-1:000000000000:function:fn",
            "memoryLimitInMB": "128",
            "logGroupName": "/aws/lambda/fn",
            "logStreamName": "2026/12/06/[$LATEST]abc",
            "clientContext": {"custom": {"k": "v"}},
            "identity": {"cognitoIdentityId": "id1"},
            "waits": True,
            "legacy": ["function", "function", "function"],
            "trace": "Root=1-00000000-abc-123",
        })

    def test_remaining_time_on_the_emulators_clock(self):
        self.write("app.js", """
            exports.handler = async (e, context) =>
              context.getRemainingTimeInMillis();
        """)
        now = 1_000_000_000
        post = self.run_one("app.handler", {}, deadline_ms=now + 5000,
                            now_ms=now)
        self.assertLessEqual(post.json(), 5000)
        self.assertGreater(post.json(), 0)

    def test_remaining_time_runs_at_real_speed(self):
        self.write("app.js", """
            exports.handler = async (e, context) => {
              const a = context.getRemainingTimeInMillis();
              await new Promise((r) => setTimeout(r, 200));
              return [a, context.getRemainingTimeInMillis()];
            };
        """)
        a, b = self.run_one("app.handler", {}, deadline_ms=65000,
                            now_ms=5000).json()
        self.assertGreaterEqual(a - b, 199)

    def test_remaining_time_falls_back_to_the_wall_clock(self):
        import time
        self.write("app.js", """
            exports.handler = async (e, context) =>
              context.getRemainingTimeInMillis();
        """)
        post = self.run_one("app.handler", {},
                            deadline_ms=int(time.time() * 1000) + 30000)
        self.assertLessEqual(post.json(), 30000)
        self.assertGreater(post.json(), 0)

    # ---- init errors -----------------------------------------------------

    def test_missing_module(self):
        post = self.init_error("nope.handler")
        error = post.json()
        self.assertEqual(error["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(error["errorMessage"].startswith(
            "Error: Cannot find module 'nope'\nRequire stack:\n- "), error)
        self.assertEqual(error["trace"][0],
                         "Runtime.ImportModuleError: Error: Cannot find "
                         "module 'nope'")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"],
                         "Runtime.ImportModuleError")
        self.assertEqual(self.proc.returncode, 129)

    def test_missing_dependency_of_the_module(self):
        self.write("app.js", "require('not-installed-pkg');\n")
        error = self.init_error("app.handler").json()
        self.assertEqual(error["errorType"], "Runtime.ImportModuleError")
        self.assertTrue(error["errorMessage"].startswith(
            "Error: Cannot find module 'not-installed-pkg'"), error)

    def test_missing_handler(self):
        self.write("app.js", "exports.other = () => 1;\n")
        error = self.init_error("app.nope").json()
        self.assertEqual(error["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(error["errorMessage"],
                         "app.nope is undefined or not exported")

    def test_handler_not_a_function(self):
        self.write("app.mjs", "export const handler = 42;\n")
        error = self.init_error("app.handler").json()
        self.assertEqual(error["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(error["errorMessage"], "app.handler is not a function")

    def test_syntax_error_cjs(self):
        self.write("bad.js", "exports.handler = async () => {\n  return (;\n};\n")
        error = self.init_error("bad.handler").json()
        self.assertEqual(error["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(error["errorMessage"].startswith("SyntaxError: "),
                        error)
        # Node's own stack for a syntax error names the file and line.
        self.assertEqual(error["trace"][0], self.code_dir + "/bad.js:2")

    def test_syntax_error_esm(self):
        self.write("bad.mjs", "export const handler = async () => {\n  (;\n};\n")
        error = self.init_error("bad.handler").json()
        self.assertEqual(error["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertTrue(error["errorMessage"].startswith("SyntaxError: "),
                        error)

    def test_malformed_handler_name(self):
        error = self.init_error("app").json()
        self.assertEqual(error["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(error["errorMessage"], "Bad handler")

    def test_relative_handler_path_is_refused(self):
        error = self.init_error("../app.handler").json()
        self.assertEqual(error["errorType"], "Runtime.MalformedHandlerName")

    def test_module_throwing_at_load_reports_its_own_error(self):
        self.write("app.js", "throw new TypeError('no config');\n")
        error = self.init_error("app.handler").json()
        self.assertEqual(error["errorType"], "TypeError")
        self.assertEqual(error["errorMessage"], "no config")

    # ---- invocation errors -----------------------------------------------

    def test_async_handler_error_shape(self):
        self.write("app.js", """
            exports.handler = async () => { throw new RangeError('boom'); };
        """)
        post = self.run_one("app.handler", {}, request_id="req-e")
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.headers["lambda-runtime-function-error-type"],
                         "Unhandled")
        error = post.json()
        self.assertEqual(sorted(error), ["errorMessage", "errorType", "trace"])
        self.assertEqual(error["errorType"], "RangeError")
        self.assertEqual(error["errorMessage"], "boom")
        self.assertEqual(error["trace"][0], "RangeError: boom")
        self.assertIn(self.code_dir + "/app.js:1", error["trace"][1])
        line = [l for l in self.stdout().splitlines() if "Invoke Error" in l][0]
        match = re.match(r"^%s\treq-e\tERROR\tInvoke Error \t(.*)$" % STAMP,
                         line)
        self.assertTrue(match, line)
        logged = json.loads(match.group(1))
        self.assertEqual((logged["errorType"], logged["errorMessage"]),
                         ("RangeError", "boom"))

    def test_sync_throw_and_callback_error(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              if (event.how === 'throw') throw new Error('thrown');
              callback(new Error('called back'));
            };
        """)
        self.api.invoke({"how": "throw"}, "r1")
        self.api.invoke({"how": "callback"}, "r2")
        self.start("app.handler")
        first, second = self.api.wait_posts(2)
        self.assertEqual((first.kind, first.json()["errorMessage"]),
                         ("error", "thrown"))
        self.assertEqual((second.kind, second.json()["errorMessage"]),
                         ("error", "called back"))

    def test_result_not_json_serialisable(self):
        self.write("app.js", """
            exports.handler = async () => { const o = {}; o.self = o; return o; };
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"], "Error")
        self.assertEqual(post.json()["errorMessage"],
                         "Unable to stringify response body")
        self.assertIsNone(self.proc.poll())  # the loop goes on

    def test_unhandled_rejection_fails_the_invocation_and_exits(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              Promise.reject(new Error('rejected'));
            };
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"],
                         "Runtime.UnhandledPromiseRejection")
        self.assertEqual(post.json()["errorMessage"], "Error: rejected")
        self.assertEqual(self.wait_exit(), 128)
        self.assertIn("\tERROR\tUnhandled Promise Rejection \t", self.stdout())

    def test_uncaught_exception_fails_the_invocation_and_exits(self):
        self.write("app.js", """
            exports.handler = (event, context, callback) => {
              setTimeout(() => { throw new TypeError('in a timer'); }, 0);
            };
        """)
        post = self.run_one("app.handler", {})
        self.assertEqual(post.kind, "error")
        self.assertEqual(post.json()["errorType"], "TypeError")
        self.assertEqual(post.json()["errorMessage"], "in a timer")
        self.assertEqual(self.wait_exit(), 129)

    def test_unhandled_rejection_during_init_is_an_init_error(self):
        self.write("app.js", """
            Promise.reject(new Error('at init'));
            exports.handler = async () => 1;
        """)
        post = self.init_error("app.handler")
        self.assertEqual(post.json()["errorType"],
                         "Runtime.UnhandledPromiseRejection")
        self.assertEqual(self.proc.returncode, 128)

    # ---- logs ------------------------------------------------------------

    def test_console_format(self):
        self.write("app.js", """
            console.log('at init');
            exports.handler = async () => {
              console.log('hello %s', 'world');
              console.info('two\\nlines');
              console.warn('careful');
              console.error('bad', 42);
              console.debug('dbg');
              process.stdout.write('raw write\\n');
              return 1;
            };
        """)
        self.run_one("app.handler", {}, request_id="req-log")
        lines = self.stdout().split("\n")
        self.assertRegex(lines[0], r"^%s\tundefined\tINFO\tat init$" % STAMP)
        self.assertRegex(lines[1], r"^%s\treq-log\tINFO\thello world$" % STAMP)
        self.assertRegex(lines[2], r"^%s\treq-log\tINFO\ttwo\rlines$" % STAMP)
        self.assertRegex(lines[3], r"^%s\treq-log\tWARN\tcareful$" % STAMP)
        self.assertRegex(lines[4], r"^%s\treq-log\tERROR\tbad 42$" % STAMP)
        self.assertRegex(lines[5], r"^%s\treq-log\tDEBUG\tdbg$" % STAMP)
        self.assertEqual(lines[6], "raw write")

    def test_log_level_from_environment(self):
        self.write("app.js", """
            exports.handler = async () => { console.info('hidden');
                                            console.warn('shown'); };
        """)
        self.run_one("app.handler", {}, env={"AWS_LAMBDA_LOG_LEVEL": "WARN"})
        self.assertNotIn("hidden", self.stdout())
        self.assertIn("\tWARN\tshown", self.stdout())


if __name__ == "__main__":
    exit_unless_found("node")
    unittest.main(verbosity=2)
