"""Shared by the Python client runners of the compatibility suite.

A runner calls `Cases.run(service, name, fn, needs=...)` for each case in
order; every case prints one JSON line on stdout:

    {"service": "sqs", "case": "send_message", "ok": true, "error": "", "ms": 3}

A case whose `needs` did not pass is not run: it fails with "blocked by
<case>", so one missing action does not cost every later call a timeout.
`raw()` calls an action over the AWS JSON protocol with the standard
library, for the fixtures a scenario needs from another service (the
queue an SNS topic delivers to): each service's column measures its own
client only.
"""

import json
import sys
import time
import urllib.request

# Every client call is bounded: connect, read, and no retries.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 15


def short_error(e):
    """The client's error as one line: its type and message."""
    text = " ".join(str(e).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(e).__name__}: {text}"


class Cases:
    def __init__(self):
        self.passed = {}

    def run(self, service, name, fn, needs=()):
        blocked = [n for n in needs if not self.passed.get((service, n))]
        start = time.monotonic()
        if blocked:
            ok, error = False, "blocked by " + ", ".join(blocked)
        else:
            try:
                fn()
                ok, error = True, ""
            except Exception as e:  # the client's own error is the result
                ok, error = False, short_error(e)
        self.passed[(service, name)] = ok
        print(json.dumps({
            "service": service, "case": name, "ok": ok, "error": error,
            "ms": round((time.monotonic() - start) * 1000)}), flush=True)
        return ok


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def raw(endpoint, action, body):
    """One SQS action over the AWS JSON protocol; the decoded answer."""
    request = urllib.request.Request(
        endpoint + "/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS." + action})
    with urllib.request.urlopen(request, timeout=READ_TIMEOUT_S) as answer:
        return json.loads(answer.read() or b"{}")


def fixture_queue(endpoint, name):
    """Creates a queue over the JSON protocol: (url, arn)."""
    url = raw(endpoint, "CreateQueue", {"QueueName": name})["QueueUrl"]
    attributes = raw(endpoint, "GetQueueAttributes",
                     {"QueueUrl": url, "AttributeNames": ["QueueArn"]})
    return url, attributes["Attributes"]["QueueArn"]


def fixture_receive(endpoint, url, count, seconds=5):
    """Receives up to `count` messages within `seconds`, deleting them."""
    bodies = []
    deadline = time.monotonic() + seconds
    while len(bodies) < count and time.monotonic() < deadline:
        got = raw(endpoint, "ReceiveMessage",
                  {"QueueUrl": url, "MaxNumberOfMessages": 10,
                   "WaitTimeSeconds": 1})
        for m in got.get("Messages", []):
            bodies.append(m["Body"])
            raw(endpoint, "DeleteMessage",
                {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
    return bodies


def main_guard(fn):
    """Runs a runner's main; a crash outside any case is reported too."""
    try:
        fn()
    except Exception as e:
        print(json.dumps({"fatal": short_error(e)}), flush=True)
        sys.exit(1)
