#!/usr/bin/env python3
"""End to end: users' Lambda code, unmodified, on a real `fanlab serve`.

    emulator_e2e_test.py --fanlab build/release/fanlab [unittest args]

Starts `fanlab serve --bind inproc://... --http 127.0.0.1:0` (the port
read back from its output) and drives it over HTTP with boto3, as a user
would. Every function runs code no one here wrote the runtime side of:

  - a Python handler (Runtime python3.12) using boto3 to send to and
    receive from SQS queues through fanlab, invoked RequestResponse and
    through an SQS event source mapping;
  - a Node.js handler (Runtime nodejs20.x) using the AWS SDK for
    JavaScript v3's @aws-sdk/client-sqs (tests/compat/node_modules);
  - AWS's own runtime interface client, the aws-lambda-ric npm package,
    running a Node.js handler as a provided.al2023 custom runtime
    (its `bootstrap` execs the package's entry point): result, error
    shape, context fields;
  - Python and Node.js handlers starting and running at MemorySize 128.

Functions are created with Code.WorkingDirectory (fanlab's own Code
member: a folder holding the code, no zip), which the AWS clients do not
know; a boto3 hook adds it to CreateFunction's body.

Exit 77 (ctest: skipped) when boto3 cannot be imported; a test whose
interpreter or package is missing (node, tests/compat's `npm ci`) is
skipped with the reason. Bounded: every client call and every wait has a
timeout; the whole run takes well under two minutes.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NODE_MODULES = os.path.join(ROOT, "tests", "compat", "node_modules")
RIC_ENTRY = os.path.join(NODE_MODULES, "aws-lambda-ric", "index.mjs")
# Its native addon, built by the package's install scripts (an npm that
# does not run them leaves the package without it).
RIC_ADDON = os.path.join(NODE_MODULES, "aws-lambda-ric", "rapid-client.node")
SKIP = 77
SERVER_START_TIMEOUT_S = 15
WAIT_S = 20  # any one condition the tests wait for
FANLAB = None  # set by main()

try:
    import boto3
    import botocore.config
except ImportError:
    boto3 = None

ROLE = "arn:aws:iam::000000000000:role/fanlab-e2e"

# A user's Python function: boto3, SQS through AWS_ENDPOINT_URL. (botocore
# before 1.31 does not read AWS_ENDPOINT_URL itself; Debian 12's 1.29 is
# the one this PATH finds, so the code passes it, as code written for a
# local endpoint does.)
PYTHON_SQS = '''\
import os
import sys

import boto3
import botocore

sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


def url(name):
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def handler(event, context):
    if "Records" in event:  # from the event source mapping
        out = url(os.environ["OUT_QUEUE"])
        for record in event["Records"]:
            sqs.send_message(QueueUrl=out, MessageBody="seen:" + record["body"])
        return {"forwarded": len(event["Records"])}
    sqs.send_message(QueueUrl=url(event["out"]), MessageBody=event["body"])
    inbox = url(event["inbox"])
    got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10,
                              WaitTimeSeconds=0).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=inbox, ReceiptHandle=m["ReceiptHandle"])
    print("python-sqs moved", len(got), "messages")
    return {"received": sorted(m["Body"] for m in got),
            "python": sys.executable, "botocore": botocore.__version__,
            "request_id": context.aws_request_id}
'''

# A user's Node.js function: the AWS SDK for JavaScript v3, which reads
# AWS_ENDPOINT_URL, the region and the credentials from the environment.
NODE_SQS = '''\
import {
  SQSClient, GetQueueUrlCommand, SendMessageCommand, ReceiveMessageCommand,
  DeleteMessageCommand,
} from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const url = async (name) =>
  (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;

export const handler = async (event, context) => {
  await sqs.send(new SendMessageCommand({
    QueueUrl: await url(event.out), MessageBody: event.body }));
  const inbox = await url(event.inbox);
  const got = (await sqs.send(new ReceiveMessageCommand({
    QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];
  for (const m of got) {
    await sqs.send(new DeleteMessageCommand({
      QueueUrl: inbox, ReceiptHandle: m.ReceiptHandle }));
  }
  console.log('node-sqs moved', got.length, 'messages');
  return { received: got.map((m) => m.Body).sort(),
           requestId: context.awsRequestId };
};
'''

# Handlers for AWS's runtime interface client (async: aws-lambda-ric 4
# follows Node.js 24's rules, which drop callback handlers).
RIC_HANDLERS = '''\
export const context = async (event, context) => ({
  event,
  awsRequestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remainingMs: context.getRemainingTimeInMillis(),
  taskRoot: process.env.LAMBDA_TASK_ROOT,
});

class OrderRejected extends Error {
  constructor(message) { super(message); this.name = 'OrderRejected'; }
}

export const fail = async (event) => {
  throw new OrderRejected(`order ${event.order} has no items`);
};
'''

PLAIN = {
    "python": ("app.py", "def handler(event, context):\n"
               "    return {'echo': event}\n"),
    "node": ("app.mjs", "export const handler = async (event) => "
             "({ echo: event });\n"),
}


class Server:
    """A `fanlab serve` with HTTP on 127.0.0.1:0; its output to a file."""

    def __init__(self, fanlab, workdir):
        self.log_path = os.path.join(workdir, "fanlab.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [fanlab, "serve", "--bind", "inproc://e2e",
             "--http", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            start_new_session=True)
        self.url = None
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                self.log.write(line)
                self.log.flush()
                m = re.search(r"HTTP on (http://\S+)", line)
                if m and not self.url:
                    self.url = m.group(1)
                    found.set()
            found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        found.wait(SERVER_START_TIMEOUT_S)
        if not self.url:
            self.stop()
            raise RuntimeError("fanlab serve printed no HTTP address: " +
                               self.log_tail())

    def log_tail(self, lines=20):
        with open(self.log_path) as f:
            return "\n".join(f.read().strip().splitlines()[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(5)
        self.log.close()


def add_working_directory(request, **_):
    """boto3 hook: puts CreateFunction's Code.WorkingDirectory (passed as
    the Code.S3Key placeholder "dir:<path>") into the JSON body."""
    body = json.loads(request.data)
    key = body.get("Code", {}).get("S3Key", "")
    if key.startswith("dir:"):
        body["Code"] = {"WorkingDirectory": key[4:]}
        request.data = json.dumps(body).encode()
        request.headers["Content-Length"] = str(len(request.data))


def report_of(log):
    """The REPORT line's fields: {"Memory Size": 128, ...} (numbers)."""
    m = re.search(r"^REPORT RequestId: \S+\t(.*)$", log, re.M)
    if not m:
        return None
    fields = {}
    for part in m.group(1).split("\t"):
        name, _, value = part.partition(": ")
        if name:
            fields[name] = float(value.split()[0])
    return fields


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class EmulatorEndToEnd(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="fanlab-e2e-")
        cls.server = Server(FANLAB, cls.workdir)
        config = botocore.config.Config(
            retries={"max_attempts": 1}, connect_timeout=5,
            read_timeout=WAIT_S + 10)
        kw = dict(endpoint_url=cls.server.url, region_name="us-east-1",
                  aws_access_key_id="e2e", aws_secret_access_key="e2e",
                  config=config)
        cls.sqs = boto3.client("sqs", **kw)
        cls.lam = boto3.client("lambda", **kw)
        cls.lam.meta.events.register("before-sign.lambda.CreateFunction",
                                     add_working_directory)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def tearDown(self):
        failed = any(e for _, e in (self._outcome.result.errors +
                                    self._outcome.result.failures))
        if failed:
            print("\n--- fanlab serve's log (tail) ---\n" +
                  self.server.log_tail(), file=sys.stderr)

    # Helpers.

    def code_dir(self, name, files):
        path = os.path.join(self.workdir, name)
        os.makedirs(path)
        for file, text in files.items():
            with open(os.path.join(path, file), "w") as f:
                f.write(text)
        return path

    def create(self, name, runtime, handler, code_dir, env=None, memory=128):
        self.lam.create_function(
            FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE,
            Code={"S3Bucket": "fanlab", "S3Key": "dir:" + code_dir},
            Timeout=30, MemorySize=memory,
            Environment={"Variables": env or {}})

    def invoke(self, name, event):
        """(payload as JSON, FunctionError or None, the log tail)."""
        r = self.lam.invoke(FunctionName=name, Payload=json.dumps(event),
                            LogType="Tail")
        log = base64.b64decode(r.get("LogResult", "")).decode()
        return json.loads(r["Payload"].read()), r.get("FunctionError"), log

    def queue(self, name):
        return self.sqs.create_queue(QueueName=name)["QueueUrl"]

    def receive_all(self, url, count):
        """The bodies of `count` messages from `url`, waiting at most WAIT_S."""
        bodies, deadline = [], time.monotonic() + WAIT_S
        while len(bodies) < count and time.monotonic() < deadline:
            got = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10,
                WaitTimeSeconds=1).get("Messages", [])
            for m in got:
                bodies.append(m["Body"])
                self.sqs.delete_message(QueueUrl=url,
                                        ReceiptHandle=m["ReceiptHandle"])
        return sorted(bodies)

    def assert_lifecycle_lines(self, log, request_id=None):
        rid = request_id or r"\S+"
        self.assertRegex(log, r"(?m)^START RequestId: %s Version: \$LATEST"
                         % rid)
        self.assertRegex(log, r"(?m)^END RequestId: %s$" % rid)
        report = report_of(log)
        self.assertIsNotNone(report, log)
        self.assertEqual(report["Memory Size"], 128, log)
        self.assertGreater(report["Max Memory Used"], 0, log)
        self.assertLessEqual(report["Max Memory Used"], 128, log)
        return report

    def require(self, program):
        if shutil.which(program) is None:
            self.skipTest("`%s` is not on PATH" % program)

    def require_node_package(self, path, package):
        self.require("node")
        if not os.path.exists(path):
            self.skipTest("%s is not installed: run scripts/setup.sh "
                          "(npm ci in tests/compat)" % package)

    # Tests.

    def test_python_boto3_sends_and_receives_through_fanlab(self):
        self.require("python3")
        inbox, out = self.queue("py-inbox"), self.queue("py-out")
        for body in ("alpha", "beta"):
            self.sqs.send_message(QueueUrl=inbox, MessageBody=body)
        self.create("py-sqs", "python3.12", "app.handler",
                    self.code_dir("py-sqs", {"app.py": PYTHON_SQS}))
        result, error, log = self.invoke(
            "py-sqs", {"out": "py-out", "inbox": "py-inbox", "body": "hi"})
        self.assertIsNone(error, result)
        self.assertEqual(result["received"], ["alpha", "beta"])
        self.assertEqual(self.receive_all(out, 1), ["hi"])
        self.assertIn("python-sqs moved 2 messages", log)
        self.assert_lifecycle_lines(log, result["request_id"])
        self.assertIn("Init Duration", report_of(log))  # a cold start
        print("\n  python handler ran on %s, botocore %s" %
              (result["python"], result["botocore"]), file=sys.stderr)

    def test_python_boto3_through_an_sqs_event_source_mapping(self):
        self.require("python3")
        source, out = self.queue("esm-in"), self.queue("esm-out")
        self.create("py-esm", "python3.12", "app.handler",
                    self.code_dir("py-esm", {"app.py": PYTHON_SQS}),
                    env={"OUT_QUEUE": "esm-out"})
        arn = self.sqs.get_queue_attributes(
            QueueUrl=source,
            AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="py-esm", BatchSize=10)
        sent = ["m%d" % i for i in range(5)]
        for body in sent:
            self.sqs.send_message(QueueUrl=source, MessageBody=body)
        self.assertEqual(self.receive_all(out, len(sent)),
                         sorted("seen:" + b for b in sent))
        # Every message the function handled is deleted from its source.
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            attrs = self.sqs.get_queue_attributes(
                QueueUrl=source,
                AttributeNames=["ApproximateNumberOfMessages",
                                "ApproximateNumberOfMessagesNotVisible"])
            left = sum(int(v) for v in attrs["Attributes"].values())
            if left == 0:
                break
            time.sleep(0.1)
        self.assertEqual(left, 0)

    def test_node_sdk_v3_sends_and_receives_through_fanlab(self):
        self.require_node_package(
            os.path.join(NODE_MODULES, "@aws-sdk", "client-sqs"),
            "@aws-sdk/client-sqs")
        inbox, out = self.queue("node-inbox"), self.queue("node-out")
        self.sqs.send_message(QueueUrl=inbox, MessageBody="gamma")
        code = self.code_dir("node-sqs", {"index.mjs": NODE_SQS})
        os.symlink(NODE_MODULES, os.path.join(code, "node_modules"))
        self.create("node-sqs", "nodejs20.x", "index.handler", code)
        result, error, log = self.invoke(
            "node-sqs", {"out": "node-out", "inbox": "node-inbox",
                         "body": "from node"})
        self.assertIsNone(error, result)
        self.assertEqual(result["received"], ["gamma"])
        self.assertEqual(self.receive_all(out, 1), ["from node"])
        self.assertIn("node-sqs moved 1 messages", log)
        self.assert_lifecycle_lines(log, result["requestId"])

    def ric_function(self, name, handler):
        self.require_node_package(RIC_ENTRY, "aws-lambda-ric")
        if not os.path.exists(RIC_ADDON):
            self.skipTest("aws-lambda-ric has no native addon at %s: its "
                          "install scripts did not run (npm ci in "
                          "tests/compat, scripts allowed)" % RIC_ADDON)
        code = self.code_dir(name, {
            "index.mjs": RIC_HANDLERS,
            "bootstrap": "#!/bin/sh\nexec node %s \"$_HANDLER\"\n" %
                         RIC_ENTRY})
        os.chmod(os.path.join(code, "bootstrap"), 0o755)
        self.create(name, "provided.al2023", handler, code)
        return code

    def test_aws_lambda_ric_runs_a_handler_with_its_context(self):
        code = self.ric_function("ric-context", "index.context")
        started = time.monotonic()
        result, error, log = self.invoke("ric-context", {"order": 7})
        self.assertIsNone(error, result)
        self.assertEqual(result["event"], {"order": 7})
        self.assertEqual(result["functionName"], "ric-context")
        self.assertEqual(result["functionVersion"], "$LATEST")
        self.assertEqual(result["invokedFunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:"
                         "ric-context")
        self.assertEqual(str(result["memoryLimitInMB"]), "128")
        self.assertEqual(result["logGroupName"], "/aws/lambda/ric-context")
        self.assertTrue(result["logStreamName"])
        self.assertEqual(result["taskRoot"], code)
        # Timeout 30: what remains is under 30 s and more than 30 s less
        # the time the invocation has taken so far.
        self.assertLessEqual(result["remainingMs"], 30000)
        self.assertGreater(result["remainingMs"],
                           30000 - (time.monotonic() - started) * 1000 - 1000)
        self.assert_lifecycle_lines(log, result["awsRequestId"])
        # A warm second invocation: a new request id, the same process.
        again, error, _ = self.invoke("ric-context", {"order": 8})
        self.assertIsNone(error, again)
        self.assertEqual(again["event"], {"order": 8})
        self.assertNotEqual(again["awsRequestId"], result["awsRequestId"])

    def test_aws_lambda_ric_reports_an_error_in_lambdas_shape(self):
        self.ric_function("ric-fail", "index.fail")
        result, error, log = self.invoke("ric-fail", {"order": 9})
        self.assertEqual(error, "Unhandled")
        self.assertEqual(result["errorType"], "OrderRejected")
        self.assertEqual(result["errorMessage"], "order 9 has no items")
        self.assertIsInstance(result["trace"], list)
        self.assertIn("OrderRejected: order 9 has no items", result["trace"][0])
        self.assert_lifecycle_lines(log)

    def test_python_and_node_run_at_128_mb(self):
        cases = [("python", "python3.12", "python3"),
                 ("node", "nodejs20.x", "node")]
        ran = 0
        for language, runtime, program in cases:
            if shutil.which(program) is None:
                print("\n  %s skipped: `%s` is not on PATH" %
                      (language, program), file=sys.stderr)
                continue
            file, text = PLAIN[language]
            name = "small-" + language
            self.create(name, runtime, "app.handler",
                        self.code_dir(name, {file: text}), memory=128)
            for i in range(2):  # the cold start, then a warm invocation
                result, error, log = self.invoke(name, {"i": i})
                self.assertIsNone(error, (language, result))
                self.assertEqual(result, {"echo": {"i": i}})
                report = self.assert_lifecycle_lines(log)
                print("\n  %s at 128 MB: Max Memory Used %d MB%s" %
                      (language, report["Max Memory Used"],
                       " (cold)" if i == 0 else ""), file=sys.stderr)
            ran += 1
        if ran == 0:
            self.skipTest("neither python3 nor node is on PATH")


def main():
    global FANLAB
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fanlab", required=True)
    args, rest = parser.parse_known_args()
    FANLAB = os.path.abspath(args.fanlab)
    if boto3 is None:
        print("SKIPPED: boto3 cannot be imported by %s (scripts/setup.sh "
              "installs python3-boto3)" % sys.executable)
        sys.exit(SKIP)
    if not os.access(FANLAB, os.X_OK):
        print("FAILED: no fanlab at %s" % FANLAB)
        sys.exit(1)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
