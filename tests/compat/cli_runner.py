"""The compatibility scenarios with an aws CLI executable.

    python3 cli_runner.py AWS ENDPOINT WORKDIR

Runs AWS (e.g. /usr/bin/aws) as a user would, one process per command,
with --endpoint-url ENDPOINT. Prints {"client": "aws-cli", "version": ...}
and then one JSON line per case (compat_lib.Cases). WORKDIR holds
function.zip and gets the scratch files (the 20 MB upload, a folder to
sync). The environment (credentials, region, no retries, no pager) is
the caller's: run_compat.py sets it.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat_lib  # noqa: E402
from compat_lib import check  # noqa: E402

AWS, ENDPOINT, WORKDIR = sys.argv[1], sys.argv[2], sys.argv[3]
# One command: the CLI's own timeouts, and a bound on the whole process
# (a 20 MB multipart upload included).
COMMAND_TIMEOUT_S = 60
cases = compat_lib.Cases()
run = cases.run


class CliError(Exception):
    """A command that exited non-zero: its exit code and last stderr line."""


def aws(*args):
    """Runs one CLI command; returns its JSON output (or text, or None)."""
    command = [AWS, "--endpoint-url", ENDPOINT, "--output", "json",
               "--cli-connect-timeout", str(compat_lib.CONNECT_TIMEOUT_S),
               "--cli-read-timeout", str(compat_lib.READ_TIMEOUT_S), *args]
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S, cwd=WORKDIR)
    if done.returncode != 0:
        lines = [l for l in done.stderr.splitlines() if l.strip()]
        raise CliError(f"`aws {' '.join(args[:2])}` exit {done.returncode}: "
                       + (" ".join(lines[-2:]) if lines else "no message"))
    out = done.stdout.strip()
    if not out:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return out


def aws_error(*args):
    """Runs a command that must fail; returns its stderr."""
    try:
        aws(*args)
    except CliError as e:
        return str(e)
    raise AssertionError(f"`aws {' '.join(args[:2])}` did not fail")


def path(name):
    return os.path.join(WORKDIR, name)


def sqs_scenario():
    s = {}

    def create_queue():
        s["url"] = aws("sqs", "create-queue", "--queue-name", "compat-jobs",
                       "--attributes", "VisibilityTimeout=30")["QueueUrl"]

    def get_queue_url():
        url = aws("sqs", "get-queue-url",
                  "--queue-name", "compat-jobs")["QueueUrl"]
        check(url == s["url"], f"get-queue-url gave {url}, not {s['url']}")

    def send_message():
        sent = aws("sqs", "send-message", "--queue-url", s["url"],
                   "--message-body", "hello", "--message-attributes",
                   '{"kind": {"DataType": "String", "StringValue": "greeting"}}')
        check(sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest(),
              "MD5OfMessageBody differs")

    def send_message_batch():
        entries = [{"Id": str(i), "MessageBody": f"batch-{i}"}
                   for i in range(3)]
        got = aws("sqs", "send-message-batch", "--queue-url", s["url"],
                  "--entries", json.dumps(entries))
        check(len(got.get("Successful", [])) == 3 and not got.get("Failed"),
              f"batch answer {got}")

    def receive_message():
        got = aws("sqs", "receive-message", "--queue-url", s["url"],
                  "--max-number-of-messages", "10", "--wait-time-seconds", "1",
                  "--attribute-names", "All", "--message-attribute-names", "All")
        messages = (got or {}).get("Messages", [])
        check(len(messages) == 4, f"received {len(messages)} of 4")
        hello = [m for m in messages if m["Body"] == "hello"]
        check(hello, "no 'hello' message")
        check(hello[0]["MessageAttributes"]["kind"]["StringValue"]
              == "greeting", "message attribute 'kind' missing")
        check("ApproximateReceiveCount" in hello[0]["Attributes"],
              "attribute ApproximateReceiveCount missing")
        s["messages"] = messages

    def delete_message():
        aws("sqs", "delete-message", "--queue-url", s["url"],
            "--receipt-handle", s["messages"][0]["ReceiptHandle"])

    def change_message_visibility():
        aws("sqs", "change-message-visibility", "--queue-url", s["url"],
            "--receipt-handle", s["messages"][1]["ReceiptHandle"],
            "--visibility-timeout", "0")
        got = aws("sqs", "receive-message", "--queue-url", s["url"],
                  "--wait-time-seconds", "1")
        check(got and len(got.get("Messages", [])) == 1,
              "the message made visible again was not received")
        s["messages"][1] = got["Messages"][0]

    def delete_message_batch():
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                   for i, m in enumerate(s["messages"][1:])]
        got = aws("sqs", "delete-message-batch", "--queue-url", s["url"],
                  "--entries", json.dumps(entries))
        check(len(got.get("Successful", [])) == 3 and not got.get("Failed"),
              f"batch answer {got}")

    def queue_attributes():
        aws("sqs", "set-queue-attributes", "--queue-url", s["url"],
            "--attributes", "DelaySeconds=0,VisibilityTimeout=45")
        got = aws("sqs", "get-queue-attributes", "--queue-url", s["url"],
                  "--attribute-names", "All")["Attributes"]
        check(got["VisibilityTimeout"] == "45", f"VisibilityTimeout {got}")
        check(got["ApproximateNumberOfMessages"] == "0", f"depth {got}")

    def purge_queue():
        aws("sqs", "send-message", "--queue-url", s["url"],
            "--message-body", "to purge")
        aws("sqs", "purge-queue", "--queue-url", s["url"])
        got = aws("sqs", "receive-message", "--queue-url", s["url"])
        check(not (got or {}).get("Messages"), "a message survived the purge")

    def fifo_queue():
        url = aws("sqs", "create-queue", "--queue-name", "compat-jobs.fifo",
                  "--attributes", "FifoQueue=true")["QueueUrl"]
        for i, dedup in enumerate(["a", "b", "a"]):
            aws("sqs", "send-message", "--queue-url", url,
                "--message-body", f"fifo-{i}", "--message-group-id", "g1",
                "--message-deduplication-id", dedup)
        got = aws("sqs", "receive-message", "--queue-url", url,
                  "--max-number-of-messages", "10", "--attribute-names", "All")
        bodies = [m["Body"] for m in (got or {}).get("Messages", [])]
        check(bodies == ["fifo-0", "fifo-1"], f"FIFO received {bodies}")
        check(got["Messages"][0]["Attributes"]["MessageGroupId"] == "g1",
              "MessageGroupId attribute missing")
        aws("sqs", "delete-queue", "--queue-url", url)

    def missing_queue_error():
        # The CLI names the error by its code: the JSON protocol's type or
        # the query protocol's code, both SQS's own for this error.
        error = aws_error("sqs", "receive-message", "--queue-url",
                          ENDPOINT + "/000000000000/missing")
        check("(QueueDoesNotExist)" in error
              or "(AWS.SimpleQueueService.NonExistentQueue)" in error, error)

    def delete_queue():
        aws("sqs", "delete-queue", "--queue-url", s["url"])
        urls = (aws("sqs", "list-queues") or {}).get("QueueUrls", [])
        check(s["url"] not in urls, "the deleted queue is still listed")

    run("sqs", "create_queue", create_queue)
    q = ["create_queue"]
    run("sqs", "get_queue_url", get_queue_url, q)
    run("sqs", "send_message", send_message, q)
    run("sqs", "send_message_batch", send_message_batch, q)
    run("sqs", "receive_message", receive_message,
        q + ["send_message", "send_message_batch"])
    r = q + ["receive_message"]
    run("sqs", "delete_message", delete_message, r)
    run("sqs", "change_message_visibility", change_message_visibility, r)
    run("sqs", "delete_message_batch", delete_message_batch,
        r + ["change_message_visibility"])
    run("sqs", "queue_attributes", queue_attributes, r)
    run("sqs", "purge_queue", purge_queue, q)
    run("sqs", "fifo_queue", fifo_queue)
    run("sqs", "missing_queue_error", missing_queue_error)
    run("sqs", "delete_queue", delete_queue, q)


def sns_scenario():
    s = {}

    def create_topic():
        s["arn"] = aws("sns", "create-topic",
                       "--name", "compat-events")["TopicArn"]

    def subscribe_queue():
        s["queue"], queue_arn = compat_lib.fixture_queue(ENDPOINT,
                                                         "compat-sns-inbox")
        s["sub"] = aws("sns", "subscribe", "--topic-arn", s["arn"],
                       "--protocol", "sqs", "--notification-endpoint",
                       queue_arn, "--return-subscription-arn")["SubscriptionArn"]

    def publish():
        aws("sns", "publish", "--topic-arn", s["arn"], "--message", "order 42",
            "--subject", "orders", "--message-attributes",
            '{"kind": {"DataType": "String", "StringValue": "order"}}')

    def message_arrives():
        bodies = compat_lib.fixture_receive(ENDPOINT, s["queue"], 1)
        check(bodies, "nothing arrived in the subscribed queue")
        envelope = json.loads(bodies[0])
        check(envelope.get("Message") == "order 42", f"envelope {envelope}")

    def list_topics():
        arns = [t["TopicArn"] for t in aws("sns", "list-topics")["Topics"]]
        check(s["arn"] in arns, f"topic not listed: {arns}")
        subs = aws("sns", "list-subscriptions-by-topic",
                   "--topic-arn", s["arn"])["Subscriptions"]
        check(len(subs) == 1, f"subscriptions {subs}")

    def delete_topic():
        aws("sns", "unsubscribe", "--subscription-arn", s["sub"])
        aws("sns", "delete-topic", "--topic-arn", s["arn"])
        arns = [t["TopicArn"] for t in aws("sns", "list-topics")["Topics"]]
        check(s["arn"] not in arns, "the deleted topic is still listed")

    run("sns", "create_topic", create_topic)
    t = ["create_topic"]
    run("sns", "subscribe_queue", subscribe_queue, t)
    run("sns", "publish", publish, t)
    run("sns", "message_arrives", message_arrives,
        t + ["subscribe_queue", "publish"])
    run("sns", "list_topics", list_topics, t + ["subscribe_queue"])
    run("sns", "delete_topic", delete_topic, t + ["subscribe_queue"])


def sha256_of(file):
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def s3_scenario():
    bucket = "compat-artifacts"
    small = path("small.bin")
    with open(small, "wb") as f:
        f.write(os.urandom(64 * 1024))

    def create_bucket():
        aws("s3", "mb", f"s3://{bucket}")

    def put_object():
        got = aws("s3api", "put-object", "--bucket", bucket,
                  "--key", "runs/1.bin", "--body", small)
        with open(small, "rb") as f:
            md5 = hashlib.md5(f.read()).hexdigest()
        check(got["ETag"].strip('"') == md5, f"ETag {got['ETag']}")

    def get_object():
        aws("s3api", "get-object", "--bucket", bucket, "--key", "runs/1.bin",
            path("small.out"))
        check(sha256_of(path("small.out")) == sha256_of(small),
              "the body read back differs")

    def head_object():
        got = aws("s3api", "head-object", "--bucket", bucket,
                  "--key", "runs/1.bin")
        check(got["ContentLength"] == 64 * 1024,
              f"ContentLength {got['ContentLength']}")

    def list_objects_v2():
        got = aws("s3api", "list-objects-v2", "--bucket", bucket,
                  "--prefix", "runs/")
        keys = [o["Key"] for o in (got or {}).get("Contents", [])]
        check(keys == ["runs/1.bin"], f"keys {keys}")

    def delete_object():
        aws("s3api", "delete-object", "--bucket", bucket,
            "--key", "runs/1.bin")
        got = aws("s3api", "list-objects-v2", "--bucket", bucket)
        check(not (got or {}).get("Contents"), "objects left after delete")

    def cp_multipart():
        big = path("big.bin")
        with open(big, "wb") as f:
            for _ in range(20):
                f.write(os.urandom(1 << 20))
        aws("s3", "cp", big, f"s3://{bucket}/big.bin", "--only-show-errors")
        aws("s3", "cp", f"s3://{bucket}/big.bin", path("big.out"),
            "--only-show-errors")
        check(sha256_of(path("big.out")) == sha256_of(big),
              "the 20 MB object read back differs")

    def ls():
        out = aws("s3", "ls", f"s3://{bucket}/")
        check(isinstance(out, str) and "big.bin" in out, f"s3 ls: {out!r}")

    def sync():
        site = path("site")
        os.makedirs(os.path.join(site, "css"), exist_ok=True)
        for name in ["index.html", "about.html", "css/site.css"]:
            with open(os.path.join(site, name), "w") as f:
                f.write(f"<!-- {name} -->\n")
        aws("s3", "sync", site, f"s3://{bucket}/site", "--only-show-errors")
        out = aws("s3", "ls", "--recursive", f"s3://{bucket}/site/")
        found = sorted(line.split()[-1] for line in (out or "").splitlines())
        check(found == ["site/about.html", "site/css/site.css",
                        "site/index.html"], f"synced {found}")

    def rm():
        aws("s3", "rm", f"s3://{bucket}", "--recursive", "--only-show-errors")
        got = aws("s3api", "list-objects-v2", "--bucket", bucket)
        check(not (got or {}).get("Contents"), "objects left after s3 rm")
        aws("s3", "rb", f"s3://{bucket}")

    run("s3", "create_bucket", create_bucket)
    b = ["create_bucket"]
    run("s3", "put_object", put_object, b)
    run("s3", "get_object", get_object, b + ["put_object"])
    run("s3", "head_object", head_object, b + ["put_object"])
    run("s3", "list_objects_v2", list_objects_v2, b + ["put_object"])
    run("s3", "delete_object", delete_object, b + ["put_object"])
    run("s3", "cp_multipart_20mb", cp_multipart, b)
    run("s3", "ls", ls, b + ["cp_multipart_20mb"])
    run("s3", "sync", sync, b)
    run("s3", "rm_recursive", rm, b)


def lambda_scenario():
    name = "compat-echo"
    with open(path("event.json"), "w") as f:
        f.write('{"n": 1}')

    def create_function():
        aws("lambda", "create-function", "--function-name", name,
            "--runtime", "python3.12", "--handler", "index.handler",
            "--zip-file", "fileb://" + path("function.zip"),
            "--role", "arn:aws:iam::000000000000:role/compat",
            "--timeout", "10")

    def invoke_request_response():
        got = aws("lambda", "invoke", "--function-name", name,
                  "--payload", "fileb://" + path("event.json"),
                  path("out.json"))
        check(got["StatusCode"] == 200 and "FunctionError" not in got,
              f"answer {got}")
        with open(path("out.json")) as f:
            payload = json.load(f)
        check(payload == {"echo": {"n": 1}}, f"payload {payload}")

    def invoke_event():
        got = aws("lambda", "invoke", "--function-name", name,
                  "--invocation-type", "Event",
                  "--payload", "fileb://" + path("event.json"),
                  path("event.out"))
        check(got["StatusCode"] == 202, f"answer {got}")

    def invoke_log_tail():
        got = aws("lambda", "invoke", "--function-name", name,
                  "--log-type", "Tail",
                  "--payload", "fileb://" + path("event.json"),
                  path("tail.out"))
        log = base64.b64decode(got.get("LogResult", "")).decode()
        check("compat-echo says hello" in log, f"LogResult {log!r}")

    def list_functions():
        names = [f["FunctionName"]
                 for f in aws("lambda", "list-functions")["Functions"]]
        check(name in names, f"functions {names}")

    def get_function():
        got = aws("lambda", "get-function", "--function-name", name)
        check(got["Configuration"]["Handler"] == "index.handler",
              f"configuration {got['Configuration']}")

    def delete_function():
        aws("lambda", "delete-function", "--function-name", name)
        error = aws_error("lambda", "get-function", "--function-name", name)
        check("(ResourceNotFoundException)" in error, error)

    run("lambda", "create_function", create_function)
    f = ["create_function"]
    run("lambda", "invoke_request_response", invoke_request_response, f)
    run("lambda", "invoke_event", invoke_event, f)
    run("lambda", "invoke_log_tail", invoke_log_tail, f)
    run("lambda", "list_functions", list_functions, f)
    run("lambda", "get_function", get_function, f)
    run("lambda", "delete_function", delete_function, f)


def dynamodb_scenario():
    table = "compat-orders"
    key0 = '{"pk": {"S": "order"}, "sk": {"N": "0"}}'
    update = ["dynamodb", "update-item", "--table-name", table, "--key", key0,
              "--update-expression", "SET #s = :done",
              "--condition-expression", "#s = :new",
              "--expression-attribute-names", '{"#s": "status"}',
              "--expression-attribute-values",
              '{":done": {"S": "done"}, ":new": {"S": "new"}}']

    def create_table():
        aws("dynamodb", "create-table", "--table-name", table,
            "--billing-mode", "PAY_PER_REQUEST",
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N",
            "--key-schema", "AttributeName=pk,KeyType=HASH",
            "AttributeName=sk,KeyType=RANGE")

    def put_item():
        for sk in range(3):
            aws("dynamodb", "put-item", "--table-name", table, "--item",
                json.dumps({"pk": {"S": "order"}, "sk": {"N": str(sk)},
                            "status": {"S": "new"}, "total": {"N": "10.5"}}))

    def get_item():
        got = aws("dynamodb", "get-item", "--table-name", table, "--key",
                  '{"pk": {"S": "order"}, "sk": {"N": "1"}}')
        check(got["Item"]["total"] == {"N": "10.5"}, f"item {got}")

    def query():
        got = aws("dynamodb", "query", "--table-name", table,
                  "--key-condition-expression", "pk = :pk AND sk >= :min",
                  "--expression-attribute-values",
                  '{":pk": {"S": "order"}, ":min": {"N": "1"}}')
        check([i["sk"]["N"] for i in got["Items"]] == ["1", "2"],
              f"items {got['Items']}")

    def update_with_condition():
        got = aws(*update, "--return-values", "ALL_NEW")
        check(got["Attributes"]["status"] == {"S": "done"}, f"answer {got}")
        error = aws_error(*update)
        check("(ConditionalCheckFailedException)" in error, error)

    def scan():
        got = aws("dynamodb", "scan", "--table-name", table,
                  "--filter-expression", "#s = :new",
                  "--expression-attribute-names", '{"#s": "status"}',
                  "--expression-attribute-values", '{":new": {"S": "new"}}')
        check(got["Count"] == 2, f"scan count {got['Count']}")
        aws("dynamodb", "delete-table", "--table-name", table)

    run("dynamodb", "create_table", create_table)
    t = ["create_table"]
    run("dynamodb", "put_item", put_item, t)
    p = t + ["put_item"]
    run("dynamodb", "get_item", get_item, p)
    run("dynamodb", "query", query, p)
    run("dynamodb", "update_with_condition", update_with_condition, p)
    run("dynamodb", "scan", scan, p + ["update_with_condition"])


def eventbridge_scenario():
    def put_rule():
        aws("events", "put-rule", "--name", "compat-tick",
            "--schedule-expression", "rate(5 minutes)", "--state", "ENABLED")

    def put_targets():
        _, queue_arn = compat_lib.fixture_queue(ENDPOINT, "compat-ticks")
        got = aws("events", "put-targets", "--rule", "compat-tick",
                  "--targets", json.dumps([{"Id": "queue", "Arn": queue_arn}]))
        check(got["FailedEntryCount"] == 0, f"answer {got}")

    def list_rules():
        names = [r["Name"] for r in aws("events", "list-rules")["Rules"]]
        check("compat-tick" in names, f"rules {names}")
        targets = aws("events", "list-targets-by-rule",
                      "--rule", "compat-tick")["Targets"]
        check([t["Id"] for t in targets] == ["queue"], f"targets {targets}")

    def delete_rule():
        aws("events", "remove-targets", "--rule", "compat-tick",
            "--ids", "queue")
        aws("events", "delete-rule", "--name", "compat-tick")

    run("eventbridge", "put_rule", put_rule)
    r = ["put_rule"]
    run("eventbridge", "put_targets", put_targets, r)
    run("eventbridge", "list_rules", list_rules, r + ["put_targets"])
    run("eventbridge", "delete_rule", delete_rule, r + ["put_targets"])


def main():
    done = subprocess.run([AWS, "--version"], capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S)
    words = (done.stdout + done.stderr).split()
    version = words[0].split("/", 1)[1] if words and "/" in words[0] else "?"
    print(json.dumps({"client": "aws-cli", "version": version,
                      "path": AWS}), flush=True)
    for scenario in [sqs_scenario, sns_scenario, s3_scenario, lambda_scenario,
                     dynamodb_scenario, eventbridge_scenario]:
        scenario()


if __name__ == "__main__":
    compat_lib.main_guard(main)
