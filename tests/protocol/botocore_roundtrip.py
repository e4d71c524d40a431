#!/usr/bin/env python3
"""Every action fanlab serves over HTTP, in every protocol the installed
botocore speaks, checked against botocore's own serializers and parsers.

Usage: botocore_roundtrip.py FANLAB TEST_FUNCTION

Starts `FANLAB serve --http 127.0.0.1:0` (the port is read from what it
prints), then for each action: serializes a request with
botocore.serialize.create_serializer(protocol) and the service's model,
signs it with a fake SigV4 scope (fanlab never verifies signatures), sends
it, and parses the answer with botocore.parsers.create_parser(protocol),
checking fields. Debian's botocore (/usr/bin/python3) speaks SQS's query
protocol; newer ones its JSON protocol: run the script with both.

Exit 0 when every check passes; otherwise prints each failure and exits 1.
"""
import http.client
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

import botocore
import botocore.parsers
import botocore.serialize
import botocore.session
from urllib3._collections import HTTPHeaderDict

FAILURES = []
CHECKS = 0


def check(what, ok, detail=""):
    global CHECKS
    CHECKS += 1
    if not ok:
        FAILURES.append(f"{what}: {detail}")
        print(f"FAIL {what}: {detail}", file=sys.stderr)


class Fanlab:
    def __init__(self, binary, workdir):
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", f"ipc://{workdir}/sock",
             "--http", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.proc.stdout:
            m = re.search(r"HTTP on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise SystemExit("fanlab serve printed no HTTP port")
        self.session = botocore.session.get_session()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def send(self, method, path, headers, body, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers)
        headers["Host"] = host or f"127.0.0.1:{self.port}"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        # botocore reads headers without regard to case, as from urllib3.
        out = {"status_code": r.status,
               "headers": HTTPHeaderDict(r.getheaders()), "body": data}
        conn.close()
        return out

    def call(self, service, operation, params, access_key="AKIDFANLABTEST"):
        """Serializes, sends and parses one call; returns (parsed, raw)."""
        model = self.session.get_service_model(service)
        op = model.operation_model(operation)
        protocol = model.metadata["protocol"]
        req = botocore.serialize.create_serializer(
            protocol, include_validation=False).serialize_to_request(
                params, op)
        body = req["body"]
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
        if isinstance(body, str):
            body = body.encode()
        path = req["url_path"]
        if req["query_string"]:
            qs = req["query_string"]
            path += ("&" if "?" in path else "?") + (
                qs if isinstance(qs, str) else urllib.parse.urlencode(qs))
        headers = dict(req["headers"])
        signing = model.metadata.get("signingName",
                                     model.metadata["endpointPrefix"])
        headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=" + access_key +
            f"/20261206/us-east-1/{signing}/aws4_request, "
            "SignedHeaders=host, Signature=00")
        raw = self.send(req["method"], path, headers, body)
        parser = botocore.parsers.create_parser(protocol)
        response = raw
        if op.has_streaming_output and raw["status_code"] < 300:
            # As a client would hand it over: a stream, not decoded text.
            response = dict(raw, body=io.BytesIO(raw["body"]))
        parsed = parser.parse(response, op.output_shape)
        return parsed, raw

    def protocol(self, service):
        return self.session.get_service_model(service).metadata["protocol"]


def error_code(parsed):
    return parsed.get("Error", {}).get("Code")


def ok(what, parsed, raw):
    check(what, "Error" not in parsed and raw["status_code"] < 300,
          f"{raw['status_code']} {raw['body'][:300]!r}")


def sqs(f):
    p = f.protocol("sqs")
    t = f"sqs/{p}"
    r, raw = f.call("sqs", "CreateQueue", {
        "QueueName": "rq", "Attributes": {"DelaySeconds": "0"},
        "tags": {"team": "a"}})
    ok(t + " CreateQueue", r, raw)
    url = r.get("QueueUrl", "")
    check(t + " QueueUrl carries the port",
          url == f"http://127.0.0.1:{f.port}/000000000000/rq", url)
    r, raw = f.call("sqs", "CreateQueue", {"QueueName": "rq-dlq"})
    dlq_url = r.get("QueueUrl", "")
    r, raw = f.call("sqs", "GetQueueUrl", {"QueueName": "rq"})
    check(t + " GetQueueUrl", r.get("QueueUrl") == url, str(r))
    r, raw = f.call("sqs", "ListQueues", {"QueueNamePrefix": "rq"})
    check(t + " ListQueues", sorted(r.get("QueueUrls", [])) ==
          sorted([url, dlq_url]), str(r))
    r, raw = f.call("sqs", "GetQueueAttributes", {
        "QueueUrl": dlq_url, "AttributeNames": ["QueueArn"]})
    dlq_arn = r.get("Attributes", {}).get("QueueArn", "")
    check(t + " GetQueueAttributes", dlq_arn.endswith(":rq-dlq"), str(r))
    r, raw = f.call("sqs", "SetQueueAttributes", {
        "QueueUrl": url, "Attributes": {
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": 5})}})
    ok(t + " SetQueueAttributes", r, raw)
    r, raw = f.call("sqs", "ListDeadLetterSourceQueues", {"QueueUrl": dlq_url})
    check(t + " ListDeadLetterSourceQueues", r.get("queueUrls") == [url],
          str(r))
    r, raw = f.call("sqs", "SendMessage", {
        "QueueUrl": url, "MessageBody": "hello <&>",
        "MessageAttributes": {
            "s": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}})
    check(t + " SendMessage", r.get("MD5OfMessageBody") ==
          "1c0a7b6a0dd5f6ac6b1a72bcc3b05d58" or len(
              r.get("MD5OfMessageBody", "")) == 32, str(r))
    r, raw = f.call("sqs", "SendMessageBatch", {
        "QueueUrl": url, "Entries": [
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 0}]})
    check(t + " SendMessageBatch",
          sorted(e["Id"] for e in r.get("Successful", [])) == ["a", "b"],
          str(r))
    r, raw = f.call("sqs", "ReceiveMessage", {
        "QueueUrl": url, "MaxNumberOfMessages": 10,
        "AttributeNames": ["All"], "MessageAttributeNames": ["All"]})
    msgs = r.get("Messages", [])
    check(t + " ReceiveMessage", len(msgs) == 3, str(r))
    first = next((m for m in msgs if m["Body"] == "hello <&>"), None)
    check(t + " ReceiveMessage body and attributes", first is not None and
          first["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01" and
          first["MessageAttributes"]["s"]["StringValue"] == "v" and
          "SentTimestamp" in first["Attributes"], str(first))
    handles = [m["ReceiptHandle"] for m in msgs]
    if len(handles) == 3:
        r, raw = f.call("sqs", "ChangeMessageVisibility", {
            "QueueUrl": url, "ReceiptHandle": handles[0],
            "VisibilityTimeout": 60})
        ok(t + " ChangeMessageVisibility", r, raw)
        r, raw = f.call("sqs", "ChangeMessageVisibilityBatch", {
            "QueueUrl": url, "Entries": [
                {"Id": "x", "ReceiptHandle": handles[1],
                 "VisibilityTimeout": 60}]})
        check(t + " ChangeMessageVisibilityBatch",
              [e["Id"] for e in r.get("Successful", [])] == ["x"], str(r))
        r, raw = f.call("sqs", "DeleteMessage", {
            "QueueUrl": url, "ReceiptHandle": handles[0]})
        ok(t + " DeleteMessage", r, raw)
        r, raw = f.call("sqs", "DeleteMessageBatch", {
            "QueueUrl": url, "Entries": [
                {"Id": "y", "ReceiptHandle": handles[1]},
                {"Id": "z", "ReceiptHandle": "garbage"}]})
        check(t + " DeleteMessageBatch",
              [e["Id"] for e in r.get("Successful", [])] == ["y"] and
              [e["Id"] for e in r.get("Failed", [])] == ["z"], str(r))
    r, raw = f.call("sqs", "TagQueue", {"QueueUrl": url,
                                        "Tags": {"env": "test"}})
    ok(t + " TagQueue", r, raw)
    r, raw = f.call("sqs", "ListQueueTags", {"QueueUrl": url})
    check(t + " ListQueueTags",
          r.get("Tags") == {"team": "a", "env": "test"}, str(r))
    r, raw = f.call("sqs", "UntagQueue", {"QueueUrl": url,
                                          "TagKeys": ["env"]})
    ok(t + " UntagQueue", r, raw)
    r, raw = f.call("sqs", "PurgeQueue", {"QueueUrl": url})
    ok(t + " PurgeQueue", r, raw)
    r, raw = f.call("sqs", "DeleteQueue", {"QueueUrl": dlq_url})
    ok(t + " DeleteQueue", r, raw)
    r, raw = f.call("sqs", "GetQueueUrl", {"QueueName": "nope"})
    want = ("AWS.SimpleQueueService.NonExistentQueue" if p == "query"
            else "AWS.SimpleQueueService.NonExistentQueue")
    check(t + " an error's code", error_code(r) in (want, "QueueDoesNotExist")
          and raw["status_code"] == 400, str(r))


def sns(f):
    t = "sns/query"
    r, raw = f.call("sns", "CreateTopic", {"Name": "rt",
                                           "Attributes": {"DisplayName": "D"}})
    arn = r.get("TopicArn", "")
    check(t + " CreateTopic", arn.endswith(":rt"), str(r))
    r, raw = f.call("sns", "ListTopics", {})
    check(t + " ListTopics", {"TopicArn": arn} in r.get("Topics", []), str(r))
    r, raw = f.call("sns", "GetTopicAttributes", {"TopicArn": arn})
    check(t + " GetTopicAttributes",
          r.get("Attributes", {}).get("DisplayName") == "D", str(r))
    r, raw = f.call("sns", "SetTopicAttributes", {
        "TopicArn": arn, "AttributeName": "DisplayName",
        "AttributeValue": "E"})
    ok(t + " SetTopicAttributes", r, raw)
    q, _ = f.call("sqs", "CreateQueue", {"QueueName": "sub"})
    qa, _ = f.call("sqs", "GetQueueAttributes", {
        "QueueUrl": q.get("QueueUrl", ""), "AttributeNames": ["QueueArn"]})
    qarn = qa.get("Attributes", {}).get("QueueArn", "")
    r, raw = f.call("sns", "Subscribe", {
        "TopicArn": arn, "Protocol": "sqs", "Endpoint": qarn,
        "Attributes": {"RawMessageDelivery": "true"},
        "ReturnSubscriptionArn": True})
    sub = r.get("SubscriptionArn", "")
    check(t + " Subscribe", sub.startswith(arn + ":"), str(r))
    r, raw = f.call("sns", "ListSubscriptions", {})
    check(t + " ListSubscriptions", any(
        s["SubscriptionArn"] == sub for s in r.get("Subscriptions", [])),
        str(r))
    r, raw = f.call("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})
    check(t + " ListSubscriptionsByTopic",
          [s["Endpoint"] for s in r.get("Subscriptions", [])] == [qarn],
          str(r))
    r, raw = f.call("sns", "GetSubscriptionAttributes",
                    {"SubscriptionArn": sub})
    check(t + " GetSubscriptionAttributes",
          r.get("Attributes", {}).get("RawMessageDelivery") == "true", str(r))
    r, raw = f.call("sns", "SetSubscriptionAttributes", {
        "SubscriptionArn": sub, "AttributeName": "RawMessageDelivery",
        "AttributeValue": "false"})
    ok(t + " SetSubscriptionAttributes", r, raw)
    r, raw = f.call("sns", "Publish", {
        "TopicArn": arn, "Message": "m", "Subject": "s",
        "MessageAttributes": {"k": {"DataType": "String",
                                    "StringValue": "v"}}})
    check(t + " Publish", len(r.get("MessageId", "")) > 0, str(r))
    r, raw = f.call("sns", "PublishBatch", {
        "TopicArn": arn, "PublishBatchRequestEntries": [
            {"Id": "1", "Message": "a"}, {"Id": "2", "Message": "b"}]})
    check(t + " PublishBatch",
          sorted(e["Id"] for e in r.get("Successful", [])) == ["1", "2"],
          str(r))
    r, raw = f.call("sns", "Unsubscribe", {"SubscriptionArn": sub})
    ok(t + " Unsubscribe", r, raw)
    r, raw = f.call("sns", "DeleteTopic", {"TopicArn": arn})
    ok(t + " DeleteTopic", r, raw)
    r, raw = f.call("sns", "GetTopicAttributes", {"TopicArn": arn})
    check(t + " an error's code", error_code(r) == "NotFound" and
          raw["status_code"] == 404, f"{raw['status_code']} {r}")


def lambda_(f, function):
    t = "lambda/rest-json"
    # fanlab's own Code.Command is not in AWS's model: create the function
    # through the JSON shape, as `fanlab call` would.
    raw = f.send("POST", "/", {"X-Amz-Target": "fanlab.CreateFunction",
                               "Content-Type": "application/x-amz-json-1.0"},
                 json.dumps({"FunctionName": "rf",
                             "Code": {"Command": [function, "echo"]}}))
    check(t + " create through JSON", raw["status_code"] == 200, str(raw))
    r, raw = f.call("lambda", "CreateFunction", {
        "FunctionName": "zipped", "Role": "arn:aws:iam::000000000000:role/r",
        "Code": {"ZipFile": b"PK"}})
    check(t + " CreateFunction answers in Lambda's shapes",
          "FunctionName" in r or error_code(r) ==
          "InvalidParameterValueException", str(r))
    r, raw = f.call("lambda", "GetFunction", {"FunctionName": "rf"})
    check(t + " GetFunction",
          r.get("Configuration", {}).get("FunctionName") == "rf", str(r))
    r, raw = f.call("lambda", "ListFunctions", {"MaxItems": 50})
    check(t + " ListFunctions", "rf" in [
        c["FunctionName"] for c in r.get("Functions", [])], str(r))
    r, raw = f.call("lambda", "UpdateFunctionConfiguration", {
        "FunctionName": "rf", "Timeout": 7,
        "Environment": {"Variables": {"A": "1"}}})
    check(t + " UpdateFunctionConfiguration", r.get("Timeout") == 7 and
          r.get("Environment", {}).get("Variables") == {"A": "1"}, str(r))
    r, raw = f.call("lambda", "Invoke", {
        "FunctionName": "rf", "Payload": b'{"x": 1}', "LogType": "Tail"})
    payload = r.get("Payload")
    payload = payload.read() if hasattr(payload, "read") else payload
    check(t + " Invoke", r.get("StatusCode") == 200 and
          json.loads(payload) == {"x": 1} and
          r.get("ExecutedVersion") == "$LATEST", f"{r} {payload!r}")
    r, raw = f.call("lambda", "Invoke", {
        "FunctionName": "rf", "Payload": b"{}", "InvocationType": "Event"})
    check(t + " Invoke Event", r.get("StatusCode") == 202, str(r))
    r, raw = f.call("lambda", "PutFunctionConcurrency", {
        "FunctionName": "rf", "ReservedConcurrentExecutions": 3})
    check(t + " PutFunctionConcurrency",
          r.get("ReservedConcurrentExecutions") == 3, str(r))
    r, raw = f.call("lambda", "DeleteFunctionConcurrency",
                    {"FunctionName": "rf"})
    check(t + " DeleteFunctionConcurrency", raw["status_code"] == 204,
          str(raw))
    q, _ = f.call("sqs", "CreateQueue", {"QueueName": "lq"})
    qa, _ = f.call("sqs", "GetQueueAttributes", {
        "QueueUrl": q.get("QueueUrl", ""), "AttributeNames": ["QueueArn"]})
    qarn = qa.get("Attributes", {}).get("QueueArn", "")
    r, raw = f.call("lambda", "PutFunctionEventInvokeConfig", {
        "FunctionName": "rf", "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnFailure": {"Destination": qarn}}})
    check(t + " PutFunctionEventInvokeConfig",
          r.get("MaximumRetryAttempts") == 1, str(r))
    r, raw = f.call("lambda", "GetFunctionEventInvokeConfig",
                    {"FunctionName": "rf"})
    check(t + " GetFunctionEventInvokeConfig",
          r.get("DestinationConfig", {}).get("OnFailure", {}).get(
              "Destination") == qarn, str(r))
    r, raw = f.call("lambda", "CreateEventSourceMapping", {
        "FunctionName": "rf", "EventSourceArn": qarn, "BatchSize": 5,
        "Enabled": False})
    uuid = r.get("UUID", "")
    check(t + " CreateEventSourceMapping",
          raw["status_code"] == 202 and r.get("BatchSize") == 5, str(r))
    r, raw = f.call("lambda", "GetEventSourceMapping", {"UUID": uuid})
    check(t + " GetEventSourceMapping", r.get("UUID") == uuid and
          hasattr(r.get("LastModified"), "year"), str(r))
    r, raw = f.call("lambda", "ListEventSourceMappings",
                    {"FunctionName": "rf"})
    check(t + " ListEventSourceMappings", [
        m["UUID"] for m in r.get("EventSourceMappings", [])] == [uuid], str(r))
    r, raw = f.call("lambda", "UpdateEventSourceMapping",
                    {"UUID": uuid, "BatchSize": 7})
    check(t + " UpdateEventSourceMapping", r.get("BatchSize") == 7, str(r))
    r, raw = f.call("lambda", "DeleteEventSourceMapping", {"UUID": uuid})
    check(t + " DeleteEventSourceMapping", r.get("UUID") == uuid, str(r))
    r, raw = f.call("lambda", "GetFunction", {"FunctionName": "nope"})
    check(t + " an error's code and status",
          error_code(r) == "ResourceNotFoundException" and
          raw["status_code"] == 404, f"{raw['status_code']} {r}")
    r, raw = f.call("lambda", "DeleteFunction", {"FunctionName": "rf"})
    # 204 in older models, 200 (with a body) in newer ones.
    check(t + " DeleteFunction", raw["status_code"] in (200, 204) and
          "Error" not in r, str(raw))


def zipped(files):
    """A zip of {name: text}, in memory."""
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def lambda_code(f):
    """Code as AWS ships it: ZipFile, S3Bucket/S3Key, UpdateFunctionCode."""
    import base64
    import hashlib
    t = "lambda/rest-json code"
    handler = ("def handler(event, context):\n"
               "    return {'version': '%s', 'event': event}\n")
    v1 = zipped({"index.py": handler % "v1"})
    r, raw = f.call("lambda", "CreateFunction", {
        "FunctionName": "code", "Role": "arn:aws:iam::000000000000:role/r",
        "Runtime": "python3.12", "Handler": "index.handler",
        "Code": {"ZipFile": v1}})
    check(t + " CreateFunction from a zip",
          r.get("CodeSha256") == base64.b64encode(
              hashlib.sha256(v1).digest()).decode() and
          r.get("CodeSize") == len(v1) and r.get("Runtime") == "python3.12"
          and r.get("Handler") == "index.handler", str(r))

    def version():
        r, raw = f.call("lambda", "Invoke",
                        {"FunctionName": "code", "Payload": b'{"n": 1}'})
        body = r.get("Payload")
        body = body.read() if hasattr(body, "read") else body
        try:
            return json.loads(body).get("version")
        except (TypeError, ValueError):
            return str(r)
    check(t + " the zip's handler runs", version() == "v1")
    r, raw = f.call("lambda", "GetFunction", {"FunctionName": "code"})
    check(t + " GetFunction's Code",
          r.get("Code", {}).get("RepositoryType") == "S3" and
          r["Code"].get("Location", "").startswith("file://"), str(r))
    v2 = zipped({"index.py": handler % "v2"})
    r, raw = f.call("lambda", "UpdateFunctionCode",
                    {"FunctionName": "code", "ZipFile": v2})
    check(t + " UpdateFunctionCode", r.get("CodeSize") == len(v2), str(r))
    check(t + " the new code runs next", version() == "v2")

    f.call("s3", "CreateBucket", {"Bucket": "code-bucket"})
    v3 = zipped({"index.py": handler % "v3"})
    r, raw = f.call("s3", "PutObject", {"Bucket": "code-bucket",
                                        "Key": "fn.zip", "Body": v3})
    r, raw = f.call("lambda", "UpdateFunctionCode", {
        "FunctionName": "code", "S3Bucket": "code-bucket", "S3Key": "fn.zip"})
    check(t + " UpdateFunctionCode from S3", r.get("CodeSize") == len(v3),
          str(r))
    check(t + " the S3 code runs", version() == "v3")
    r, raw = f.call("lambda", "CreateFunction", {
        "FunctionName": "nokey", "Role": "arn:aws:iam::000000000000:role/r",
        "Runtime": "python3.12", "Handler": "index.handler",
        "Code": {"S3Bucket": "code-bucket", "S3Key": "none.zip"}})
    check(t + " a missing S3 key is Lambda's error",
          error_code(r) == "InvalidParameterValueException" and
          raw["status_code"] == 400 and
          "S3 Error Code: NoSuchKey" in r["Error"].get("Message", ""),
          str(r))
    r, raw = f.call("lambda", "CreateFunction", {
        "FunctionName": "corrupt", "Role": "arn:aws:iam::000000000000:role/r",
        "Runtime": "python3.12", "Handler": "index.handler",
        "Code": {"ZipFile": b"not a zip"}})
    check(t + " a corrupt zip is Lambda's error",
          error_code(r) == "InvalidParameterValueException" and
          r["Error"].get("Message", "").startswith(
              "Could not unzip uploaded file."), str(r))
    f.call("lambda", "DeleteFunction", {"FunctionName": "code"})


def s3(f):
    t = "s3/rest-xml"
    r, raw = f.call("s3", "CreateBucket", {"Bucket": "round-trip"})
    check(t + " CreateBucket", r.get("Location") == "/round-trip", str(r))
    r, raw = f.call("s3", "CreateBucket", {
        "Bucket": "round-trip-2", "CreateBucketConfiguration": {
            "LocationConstraint": "eu-west-1"}})
    ok(t + " CreateBucket with a configuration", r, raw)
    r, raw = f.call("s3", "HeadBucket", {"Bucket": "round-trip"})
    # Older models have no BucketRegion member: the header is there.
    check(t + " HeadBucket", raw["status_code"] == 200 and
          raw["headers"].get("x-amz-bucket-region") == "us-east-1", str(r))
    r, raw = f.call("s3", "ListBuckets", {})
    check(t + " ListBuckets", "round-trip" in [
        b["Name"] for b in r.get("Buckets", [])] and "Owner" in r, str(r))
    r, raw = f.call("s3", "PutObject", {
        "Bucket": "round-trip", "Key": "dir/a b+c.txt", "Body": b"\x00hello",
        "ContentType": "text/plain", "Metadata": {"Who": "me"}})
    etag = r.get("ETag", "")
    check(t + " PutObject", etag.startswith('"'), str(r))
    r, raw = f.call("s3", "GetObject", {"Bucket": "round-trip",
                                        "Key": "dir/a b+c.txt"})
    body = r.get("Body")
    body = body.read() if hasattr(body, "read") else body
    check(t + " GetObject", body == b"\x00hello" and
          r.get("ContentType") == "text/plain" and
          r.get("Metadata") == {"who": "me"} and r.get("ETag") == etag and
          hasattr(r.get("LastModified"), "year"), f"{r} {body!r}")
    r, raw = f.call("s3", "GetObject", {"Bucket": "round-trip",
                                        "Key": "dir/a b+c.txt",
                                        "Range": "bytes=1-2"})
    body = r.get("Body")
    body = body.read() if hasattr(body, "read") else body
    check(t + " GetObject with a range", raw["status_code"] == 206 and
          body == b"he" and r.get("ContentRange") == "bytes 1-2/6", str(r))
    r, raw = f.call("s3", "HeadObject", {"Bucket": "round-trip",
                                         "Key": "dir/a b+c.txt"})
    check(t + " HeadObject", r.get("ContentLength") == 6 and
          raw["body"] == b"", str(r))
    r, raw = f.call("s3", "ListObjectsV2", {"Bucket": "round-trip",
                                            "Delimiter": "/"})
    check(t + " ListObjectsV2", r.get("CommonPrefixes") ==
          [{"Prefix": "dir/"}] and r.get("KeyCount") == 1, str(r))
    r, raw = f.call("s3", "ListObjectsV2", {"Bucket": "round-trip",
                                            "Prefix": "dir/"})
    check(t + " ListObjectsV2 contents", [
        c["Key"] for c in r.get("Contents", [])] == ["dir/a b+c.txt"] and
        r["Contents"][0]["Size"] == 6, str(r))
    r, raw = f.call("s3", "GetObject", {"Bucket": "round-trip",
                                        "Key": "missing"})
    check(t + " an error's code", error_code(r) == "NoSuchKey" and
          raw["status_code"] == 404 and b"<Key>missing</Key>" in raw["body"],
          f"{raw}")
    r, raw = f.call("s3", "HeadObject", {"Bucket": "round-trip",
                                         "Key": "missing"})
    check(t + " a HEAD error is bodiless", raw["status_code"] == 404 and
          raw["body"] == b"", str(raw))
    r, raw = f.call("s3", "DeleteObject", {"Bucket": "round-trip",
                                           "Key": "dir/a b+c.txt"})
    check(t + " DeleteObject", raw["status_code"] == 204, str(raw))
    r, raw = f.call("s3", "DeleteBucket", {"Bucket": "round-trip"})
    check(t + " DeleteBucket", raw["status_code"] == 204, str(raw))
    # Virtual-hosted style: the bucket in the Host.
    f.call("s3", "CreateBucket", {"Bucket": "vhost"})
    raw = f.send("PUT", "/k", {"Content-Type": "text/plain"}, b"v",
                 host=f"vhost.s3.localhost:{f.port}")
    check(t + " virtual-hosted PutObject", raw["status_code"] == 200,
          str(raw))
    raw = f.send("GET", "/k", {}, None, host=f"vhost.localhost:{f.port}")
    check(t + " virtual-hosted GetObject", raw["status_code"] == 200 and
          raw["body"] == b"v", str(raw))


def s3_multipart(f):
    """Multipart uploads, CopyObject, DeleteObjects and ListObjects (v1)."""
    import base64
    import hashlib
    t = "s3/rest-xml"
    b = "round-trip-mpu"
    f.call("s3", "CreateBucket", {"Bucket": b})
    r, raw = f.call("s3", "CreateMultipartUpload", {
        "Bucket": b, "Key": "big/one", "ContentType": "text/plain",
        "Metadata": {"who": "me"}})
    upload = r.get("UploadId", "")
    check(t + " CreateMultipartUpload", upload != "" and
          r.get("Key") == "big/one" and r.get("Bucket") == b, str(r))
    first = b"a" * (5 << 20)
    r, raw = f.call("s3", "UploadPart", {
        "Bucket": b, "Key": "big/one", "UploadId": upload, "PartNumber": 1,
        "Body": first})
    etag1 = r.get("ETag", "")
    check(t + " UploadPart", etag1.startswith('"'), str(r))
    r, raw = f.call("s3", "UploadPart", {
        "Bucket": b, "Key": "big/one", "UploadId": upload, "PartNumber": 2,
        "Body": b"end"})
    etag2 = r.get("ETag", "")
    r, raw = f.call("s3", "ListParts", {"Bucket": b, "Key": "big/one",
                                        "UploadId": upload})
    check(t + " ListParts", [p["PartNumber"] for p in r.get("Parts", [])] ==
          [1, 2] and r["Parts"][1]["Size"] == 3 and
          hasattr(r["Parts"][0].get("LastModified"), "year"), str(r))
    r, raw = f.call("s3", "ListMultipartUploads", {"Bucket": b})
    check(t + " ListMultipartUploads", [u["UploadId"] for u in
                                        r.get("Uploads", [])] == [upload],
          str(r))
    r, raw = f.call("s3", "CompleteMultipartUpload", {
        "Bucket": b, "Key": "big/one", "UploadId": upload,
        "MultipartUpload": {"Parts": [
            {"PartNumber": 2, "ETag": etag2},
            {"PartNumber": 1, "ETag": etag1}]}})
    check(t + " CompleteMultipartUpload out of order",
          error_code(r) == "InvalidPartOrder" and raw["status_code"] == 400,
          str(r))
    r, raw = f.call("s3", "CompleteMultipartUpload", {
        "Bucket": b, "Key": "big/one", "UploadId": upload,
        "MultipartUpload": {"Parts": [
            {"PartNumber": 1, "ETag": etag1},
            {"PartNumber": 2, "ETag": etag2}]}})
    check(t + " CompleteMultipartUpload", r.get("ETag", "").endswith('-2"')
          and r.get("Key") == "big/one", str(r))
    r, raw = f.call("s3", "HeadObject", {"Bucket": b, "Key": "big/one"})
    check(t + " the completed object", r.get("ContentLength") ==
          len(first) + 3 and r.get("Metadata") == {"who": "me"}, str(r))
    r, raw = f.call("s3", "ListParts", {"Bucket": b, "Key": "big/one",
                                        "UploadId": upload})
    check(t + " NoSuchUpload", error_code(r) == "NoSuchUpload" and
          raw["status_code"] == 404, str(r))
    r, raw = f.call("s3", "CreateMultipartUpload", {"Bucket": b, "Key": "x"})
    r, raw = f.call("s3", "AbortMultipartUpload", {
        "Bucket": b, "Key": "x", "UploadId": r.get("UploadId", "")})
    check(t + " AbortMultipartUpload", raw["status_code"] == 204, str(raw))

    r, raw = f.call("s3", "CopyObject", {
        "Bucket": b, "Key": "copy", "CopySource": f"{b}/big/one"})
    check(t + " CopyObject", r.get("CopyObjectResult", {}).get(
        "ETag", "").startswith('"') and hasattr(
            r["CopyObjectResult"].get("LastModified"), "year"), str(r))
    r, raw = f.call("s3", "CopyObject", {
        "Bucket": b, "Key": "copy", "CopySource": f"{b}/big/one",
        "CopySourceIfMatch": '"nope"'})
    check(t + " CopyObject precondition", error_code(r) ==
          "PreconditionFailed" and raw["status_code"] == 412, str(r))
    r, raw = f.call("s3", "HeadObject", {"Bucket": b, "Key": "copy"})
    r, raw = f.call("s3", "GetObject", {"Bucket": b, "Key": "copy",
                                        "IfNoneMatch": r.get("ETag", "")})
    check(t + " GetObject not modified", raw["status_code"] == 304 and
          raw["body"] == b"", str(raw))
    r, raw = f.call("s3", "PutObject", {
        "Bucket": b, "Key": "sum", "Body": b"data",
        "ChecksumSHA256": base64.b64encode(
            hashlib.sha256(b"data").digest()).decode()})
    ok(t + " PutObject with a checksum", r, raw)
    r, raw = f.call("s3", "HeadObject", {"Bucket": b, "Key": "sum",
                                         "ChecksumMode": "ENABLED"})
    check(t + " HeadObject checksum mode", r.get("ChecksumSHA256") ==
          base64.b64encode(hashlib.sha256(b"data").digest()).decode(),
          str(r))
    r, raw = f.call("s3", "PutObject", {
        "Bucket": b, "Key": "sum", "Body": b"data",
        "ContentMD5": base64.b64encode(hashlib.md5(b"x").digest()).decode()})
    check(t + " PutObject BadDigest", error_code(r) == "BadDigest", str(r))

    r, raw = f.call("s3", "ListObjects", {"Bucket": b, "MaxKeys": 1})
    check(t + " ListObjects", [c["Key"] for c in r.get("Contents", [])] ==
          ["big/one"] and r.get("IsTruncated") is True and
          r.get("NextMarker") == "big/one", str(r))
    r, raw = f.call("s3", "ListObjects", {"Bucket": b, "Marker": "big/one"})
    check(t + " ListObjects after a marker", [
        c["Key"] for c in r.get("Contents", [])] == ["copy", "sum"], str(r))

    # DeleteObjects: botocore's serializer alone sends no Content-MD5 (a
    # handler adds it), which S3 requires.
    params = {"Bucket": b, "Delete": {"Objects": [
        {"Key": "copy"}, {"Key": "sum"}, {"Key": "never"}]}}
    r, raw = f.call("s3", "DeleteObjects", params)
    check(t + " DeleteObjects without Content-MD5",
          error_code(r) == "InvalidRequest", str(r))
    model = f.session.get_service_model("s3")
    op = model.operation_model("DeleteObjects")
    req = botocore.serialize.create_serializer(
        "rest-xml", include_validation=False).serialize_to_request(params, op)
    headers = dict(req["headers"])
    headers["Content-MD5"] = base64.b64encode(
        hashlib.md5(req["body"]).digest()).decode()
    headers["Authorization"] = (
        "AWS4-HMAC-SHA256 Credential=AKIDFANLABTEST/20261206/us-east-1/s3/"
        "aws4_request, SignedHeaders=host, Signature=00")
    raw = f.send("POST", req["url_path"], headers, req["body"])
    r = botocore.parsers.create_parser("rest-xml").parse(raw, op.output_shape)
    check(t + " DeleteObjects", sorted(d["Key"] for d in r.get(
        "Deleted", [])) == ["copy", "never", "sum"] and not r.get("Errors"),
        str(r))
    raw = f.send("POST", "/" + b + "?delete", dict(
        headers, **{"Content-MD5": base64.b64encode(
            hashlib.md5(b"<Delete>").digest()).decode()}), b"<Delete>")
    check(t + " DeleteObjects MalformedXML", raw["status_code"] == 400 and
          b"<Code>MalformedXML</Code>" in raw["body"], str(raw))


def s3_notifications(f, function):
    """A bucket's notification rules over REST-XML; a queue rule delivers."""
    t = "s3/rest-xml notifications"
    f.call("s3", "CreateBucket", {"Bucket": "notified"})
    r, raw = f.call("sqs", "CreateQueue", {"QueueName": "s3-events"})
    url = r.get("QueueUrl", "")
    arn = "arn:aws:sqs:us-east-1:000000000000:s3-events"
    r, raw = f.call("s3", "PutBucketNotificationConfiguration", {
        "Bucket": "notified", "NotificationConfiguration": {
            "QueueConfigurations": [{
                "Id": "incoming", "QueueArn": arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [
                    {"Name": "prefix", "Value": "in/"}]}}}]}})
    ok(t + " PutBucketNotificationConfiguration", r, raw)
    r, raw = f.call("s3", "GetBucketNotificationConfiguration",
                    {"Bucket": "notified"})
    q = r.get("QueueConfigurations", [{}])[0]
    check(t + " GetBucketNotificationConfiguration",
          q.get("Id") == "incoming" and q.get("QueueArn") == arn and
          q.get("Events") == ["s3:ObjectCreated:*"] and
          q.get("Filter", {}).get("Key", {}).get("FilterRules") ==
          [{"Name": "Prefix", "Value": "in/"}], str(r))
    f.call("s3", "PutObject", {"Bucket": "notified", "Key": "in/a b",
                               "Body": b"hello"})
    f.call("s3", "PutObject", {"Bucket": "notified", "Key": "out/x",
                               "Body": b"x"})
    r, raw = f.call("sqs", "ReceiveMessage", {"QueueUrl": url,
                                              "MaxNumberOfMessages": 10})
    bodies = [json.loads(m["Body"]) for m in r.get("Messages", [])]
    check(t + " one record, for the key under in/",
          len(bodies) == 1 and
          bodies[0]["Records"][0]["eventName"] == "ObjectCreated:Put" and
          bodies[0]["Records"][0]["s3"]["object"]["key"] == "in/a+b", str(r))
    r, raw = f.call("s3", "PutBucketNotificationConfiguration", {
        "Bucket": "notified", "NotificationConfiguration": {
            "QueueConfigurations": [{"QueueArn": arn,
                                     "Events": ["s3:Bogus"]}]}})
    check(t + " a bad event is InvalidArgument",
          error_code(r) == "InvalidArgument", str(r))
    t = "lambda/rest-json DeadLetterConfig"
    raw = f.send("POST", "/", {"X-Amz-Target": "fanlab.CreateFunction",
                               "Content-Type": "application/x-amz-json-1.0"},
                 json.dumps({"FunctionName": "dl",
                             "Code": {"Command": [function, "fail"]}}))
    check(t + " create through JSON", raw["status_code"] == 200, str(raw))
    r, raw = f.call("sqs", "CreateQueue", {"QueueName": "dead-letters"})
    dead_url = r.get("QueueUrl", "")
    dead = "arn:aws:sqs:us-east-1:000000000000:dead-letters"
    r, raw = f.call("lambda", "UpdateFunctionConfiguration", {
        "FunctionName": "dl", "DeadLetterConfig": {"TargetArn": dead}})
    check(t + " UpdateFunctionConfiguration",
          r.get("DeadLetterConfig", {}).get("TargetArn") == dead, str(r))
    r, raw = f.call("lambda", "GetFunction", {"FunctionName": "dl"})
    check(t + " GetFunction", r.get("Configuration", {}).get(
        "DeadLetterConfig", {}).get("TargetArn") == dead, str(r))
    r, raw = f.call("lambda", "UpdateFunctionConfiguration", {
        "FunctionName": "dl", "DeadLetterConfig": {"TargetArn": "nope"}})
    check(t + " a target that is no queue or topic",
          error_code(r) == "InvalidParameterValueException", str(r))
    f.call("lambda", "PutFunctionEventInvokeConfig", {
        "FunctionName": "dl", "MaximumRetryAttempts": 0})
    r, raw = f.call("lambda", "Invoke", {"FunctionName": "dl",
                                         "InvocationType": "Event",
                                         "Payload": b'{"n": 1}'})
    r, raw = f.call("sqs", "ReceiveMessage", {
        "QueueUrl": dead_url, "WaitTimeSeconds": 10,
        "MessageAttributeNames": ["All"]})
    m = (r.get("Messages") or [{}])[0]
    attrs = m.get("MessageAttributes", {})
    check(t + " the failed event is dead-lettered with Lambda's attributes",
          m.get("Body") == '{"n": 1}' and
          attrs.get("ErrorCode", {}).get("StringValue") == "200" and
          attrs.get("ErrorCode", {}).get("DataType") == "Number" and
          "RequestID" in attrs and "ErrorMessage" in attrs, str(r))


def json_services(f):
    t = "dynamodb/json"
    r, raw = f.call("dynamodb", "CreateTable", {
        "TableName": "rtab", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "k",
                                  "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}]})
    check(t + " CreateTable",
          r.get("TableDescription", {}).get("TableName") == "rtab", str(r))
    for op, params in [
            ("DescribeTable", {"TableName": "rtab"}),
            ("ListTables", {}),
            ("PutItem", {"TableName": "rtab", "Item": {"k": {"S": "a"},
                                                     "n": {"N": "1"}}}),
            ("GetItem", {"TableName": "rtab", "Key": {"k": {"S": "a"}}}),
            ("UpdateItem", {"TableName": "rtab", "Key": {"k": {"S": "a"}},
                            "UpdateExpression": "SET n = :v",
                            "ExpressionAttributeValues": {":v": {"N": "2"}}}),
            ("Query", {"TableName": "rtab", "KeyConditionExpression": "k = :k",
                       "ExpressionAttributeValues": {":k": {"S": "a"}}}),
            ("Scan", {"TableName": "rtab"}),
            ("DeleteItem", {"TableName": "rtab", "Key": {"k": {"S": "a"}}}),
            ("DeleteTable", {"TableName": "rtab"})]:
        r, raw = f.call("dynamodb", op, params)
        ok(t + " " + op, r, raw)
    t = "events/json"
    for op, params in [
            ("PutRule", {"Name": "rr", "ScheduleExpression": "rate(1 hour)"}),
            ("DescribeRule", {"Name": "rr"}),
            ("ListRules", {}),
            ("DisableRule", {"Name": "rr"}),
            ("EnableRule", {"Name": "rr"}),
            ("PutTargets", {"Rule": "rr", "Targets": [{
                "Id": "1",
                "Arn": "arn:aws:sqs:us-east-1:000000000000:lq"}]}),
            ("ListTargetsByRule", {"Rule": "rr"}),
            ("RemoveTargets", {"Rule": "rr", "Ids": ["1"]}),
            ("DeleteRule", {"Name": "rr"})]:
        r, raw = f.call("events", op, params)
        ok(t + " " + op, r, raw)


def garbage(f):
    """Bad input in each protocol gets that protocol's error shape."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    raw = f.send("POST", "/", form, "Action=NoSuchThing&Version=2012-11-05")
    check("query: an unknown action", raw["status_code"] == 400 and
          b"<Code>InvalidAction</Code>" in raw["body"], str(raw))
    raw = f.send("POST", "/", form,
                 "Action=SendMessage&QueueUrl=x&MessageBody=b&DelaySeconds=x")
    check("query: a bad integer", raw["status_code"] == 400 and
          b"<ErrorResponse" in raw["body"] and b"DelaySeconds" in raw["body"],
          str(raw))
    raw = f.send("POST", "/", form, "Action=ListQueues&Action=ListQueues")
    check("query: a parameter twice", raw["status_code"] == 400 and
          b"<Code>MalformedQueryString</Code>" in raw["body"], str(raw))
    s3_sig = {"Authorization": "AWS4-HMAC-SHA256 Credential=k/20261206/"
              "us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"}
    raw = f.send("PUT", "/bad-xml", s3_sig, b"<CreateBucketConfiguration>")
    check("rest-xml: malformed XML", raw["status_code"] == 400 and
          b"<Code>MalformedXML</Code>" in raw["body"], str(raw))
    raw = f.send("POST", "/", s3_sig, b"")
    check("rest-xml: no such operation", raw["status_code"] == 405 and
          b"<Error>" in raw["body"], str(raw))
    lam = {"Authorization": "AWS4-HMAC-SHA256 Credential=k/20261206/"
           "us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"}
    raw = f.send("GET", "/2015-03-31/functions?MaxItems=many", lam, None)
    check("rest-json: a bad query integer", raw["status_code"] == 400 and
          raw["headers"].get("x-amzn-ErrorType") == "SerializationException",
          str(raw))
    raw = f.send("GET", "/2015-03-31/nothing-here", lam, None)
    check("rest-json: no such operation", raw["status_code"] == 404 and
          b'"Type"' in raw["body"], str(raw))
    raw = f.send("POST", "/2015-03-31/functions", lam, b"{not json")
    check("rest-json: a body that is not JSON", raw["status_code"] == 400,
          str(raw))
    r, raw = f.call("sqs", "ListQueues", {})
    ok("the server serves on", r, raw)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as workdir:
        f = Fanlab(sys.argv[1], workdir)
        try:
            sqs(f)
            sns(f)
            lambda_(f, sys.argv[2])
            lambda_code(f)
            s3(f)
            s3_multipart(f)
            s3_notifications(f, sys.argv[2])
            json_services(f)
            garbage(f)
        finally:
            f.stop()
    print(f"botocore {botocore.__version__} "
          f"(SQS: {f.protocol('sqs')}): {CHECKS} checks, "
          f"{len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
