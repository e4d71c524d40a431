"""The compatibility scenarios with boto3, under whichever Python runs it.

    python3 boto3_runner.py ENDPOINT WORKDIR

Prints {"client": "boto3", "version": ...} and then one JSON line per case
(compat_lib.Cases). WORKDIR holds function.zip (the Lambda code).
"""

import base64
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat_lib  # noqa: E402
from compat_lib import check  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402

ENDPOINT, WORKDIR = sys.argv[1], sys.argv[2]
CONFIG = Config(connect_timeout=compat_lib.CONNECT_TIMEOUT_S,
                read_timeout=compat_lib.READ_TIMEOUT_S,
                retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path"})
SESSION = boto3.session.Session(aws_access_key_id="compat",
                                aws_secret_access_key="compat",
                                region_name="us-east-1")
cases = compat_lib.Cases()
run = cases.run


def client(service):
    return SESSION.client(service, endpoint_url=ENDPOINT, config=CONFIG)


def sqs_scenario():
    sqs = client("sqs")
    s = {}

    def create_queue():
        s["url"] = sqs.create_queue(
            QueueName="compat-jobs",
            Attributes={"VisibilityTimeout": "30"})["QueueUrl"]

    def get_queue_url():
        url = sqs.get_queue_url(QueueName="compat-jobs")["QueueUrl"]
        check(url == s["url"], f"GetQueueUrl gave {url}, not {s['url']}")

    def send_message():
        sent = sqs.send_message(
            QueueUrl=s["url"], MessageBody="hello",
            MessageAttributes={"kind": {"DataType": "String",
                                        "StringValue": "greeting"}})
        check(sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest(),
              "MD5OfMessageBody differs")

    def send_message_batch():
        got = sqs.send_message_batch(QueueUrl=s["url"], Entries=[
            {"Id": str(i), "MessageBody": f"batch-{i}"} for i in range(3)])
        check(len(got.get("Successful", [])) == 3 and not got.get("Failed"),
              f"batch answer {got}")

    def receive_message():
        got = sqs.receive_message(
            QueueUrl=s["url"], MaxNumberOfMessages=10, WaitTimeSeconds=1,
            AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        check(len(messages) == 4, f"received {len(messages)} of 4")
        hello = [m for m in messages if m["Body"] == "hello"]
        check(hello, "no 'hello' message")
        m = hello[0]
        check(m["MessageAttributes"]["kind"]["StringValue"] == "greeting",
              "message attribute 'kind' missing")
        check("ApproximateReceiveCount" in m["Attributes"],
              "attribute ApproximateReceiveCount missing")
        s["messages"] = messages

    def delete_message():
        sqs.delete_message(QueueUrl=s["url"],
                           ReceiptHandle=s["messages"][0]["ReceiptHandle"])

    def change_message_visibility():
        sqs.change_message_visibility(
            QueueUrl=s["url"], ReceiptHandle=s["messages"][1]["ReceiptHandle"],
            VisibilityTimeout=0)
        got = sqs.receive_message(QueueUrl=s["url"], WaitTimeSeconds=1)
        check(len(got.get("Messages", [])) == 1,
              "the message made visible again was not received")
        s["messages"][1] = got["Messages"][0]

    def delete_message_batch():
        got = sqs.delete_message_batch(QueueUrl=s["url"], Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(s["messages"][1:])])
        check(len(got.get("Successful", [])) == 3 and not got.get("Failed"),
              f"batch answer {got}")

    def queue_attributes():
        sqs.set_queue_attributes(QueueUrl=s["url"],
                                 Attributes={"DelaySeconds": "0",
                                             "VisibilityTimeout": "45"})
        got = sqs.get_queue_attributes(
            QueueUrl=s["url"], AttributeNames=["All"])["Attributes"]
        check(got["VisibilityTimeout"] == "45", f"VisibilityTimeout {got}")
        check(got["ApproximateNumberOfMessages"] == "0", f"depth {got}")

    def purge_queue():
        sqs.send_message(QueueUrl=s["url"], MessageBody="to purge")
        sqs.purge_queue(QueueUrl=s["url"])
        got = sqs.receive_message(QueueUrl=s["url"], WaitTimeSeconds=0)
        check(not got.get("Messages"), "a message survived the purge")

    def fifo_queue():
        url = sqs.create_queue(
            QueueName="compat-jobs.fifo",
            Attributes={"FifoQueue": "true"})["QueueUrl"]
        for i, dedup in enumerate(["a", "b", "a"]):
            sqs.send_message(QueueUrl=url, MessageBody=f"fifo-{i}",
                             MessageGroupId="g1", MessageDeduplicationId=dedup)
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  AttributeNames=["All"])
        bodies = [m["Body"] for m in got.get("Messages", [])]
        check(bodies == ["fifo-0", "fifo-1"], f"FIFO received {bodies}")
        check(got["Messages"][0]["Attributes"]["MessageGroupId"] == "g1",
              "MessageGroupId attribute missing")
        sqs.delete_queue(QueueUrl=url)

    def missing_queue_error():
        try:
            sqs.receive_message(QueueUrl=ENDPOINT + "/000000000000/missing")
        except sqs.exceptions.QueueDoesNotExist:
            return
        raise AssertionError("no QueueDoesNotExist raised")

    def delete_queue():
        sqs.delete_queue(QueueUrl=s["url"])
        urls = sqs.list_queues().get("QueueUrls", [])
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
    sns = client("sns")
    s = {}

    def create_topic():
        s["arn"] = sns.create_topic(Name="compat-events")["TopicArn"]

    def subscribe_queue():
        s["queue"], queue_arn = compat_lib.fixture_queue(ENDPOINT,
                                                         "compat-sns-inbox")
        s["sub"] = sns.subscribe(TopicArn=s["arn"], Protocol="sqs",
                                 Endpoint=queue_arn,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]

    def publish():
        sns.publish(TopicArn=s["arn"], Message="order 42", Subject="orders",
                    MessageAttributes={"kind": {"DataType": "String",
                                                "StringValue": "order"}})

    def message_arrives():
        bodies = compat_lib.fixture_receive(ENDPOINT, s["queue"], 1)
        check(bodies, "nothing arrived in the subscribed queue")
        envelope = json.loads(bodies[0])
        check(envelope.get("Message") == "order 42", f"envelope {envelope}")

    def list_topics():
        arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        check(s["arn"] in arns, f"topic not listed: {arns}")
        subs = sns.list_subscriptions_by_topic(
            TopicArn=s["arn"])["Subscriptions"]
        check(len(subs) == 1, f"subscriptions {subs}")

    def delete_topic():
        sns.unsubscribe(SubscriptionArn=s["sub"])
        sns.delete_topic(TopicArn=s["arn"])
        arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        check(s["arn"] not in arns, "the deleted topic is still listed")

    run("sns", "create_topic", create_topic)
    t = ["create_topic"]
    run("sns", "subscribe_queue", subscribe_queue, t)
    run("sns", "publish", publish, t)
    run("sns", "message_arrives", message_arrives,
        t + ["subscribe_queue", "publish"])
    run("sns", "list_topics", list_topics, t + ["subscribe_queue"])
    run("sns", "delete_topic", delete_topic, t + ["subscribe_queue"])


def s3_scenario():
    s3 = client("s3")
    body = os.urandom(64 * 1024)

    def create_bucket():
        s3.create_bucket(Bucket="compat-artifacts")

    def put_object():
        got = s3.put_object(Bucket="compat-artifacts", Key="runs/1.bin",
                            Body=body, ContentType="application/octet-stream")
        check(got["ETag"].strip('"') == hashlib.md5(body).hexdigest(),
              f"ETag {got['ETag']}")

    def get_object():
        got = s3.get_object(Bucket="compat-artifacts", Key="runs/1.bin")
        check(got["Body"].read() == body, "the body read back differs")

    def head_object():
        got = s3.head_object(Bucket="compat-artifacts", Key="runs/1.bin")
        check(got["ContentLength"] == len(body),
              f"ContentLength {got['ContentLength']}")

    def list_objects_v2():
        s3.put_object(Bucket="compat-artifacts", Key="runs/2.txt", Body=b"2")
        got = s3.list_objects_v2(Bucket="compat-artifacts", Prefix="runs/")
        keys = [o["Key"] for o in got.get("Contents", [])]
        check(keys == ["runs/1.bin", "runs/2.txt"], f"keys {keys}")

    def delete_object():
        for key in ["runs/1.bin", "runs/2.txt"]:
            s3.delete_object(Bucket="compat-artifacts", Key=key)
        got = s3.list_objects_v2(Bucket="compat-artifacts")
        check(not got.get("Contents"), "objects left after delete")
        s3.delete_bucket(Bucket="compat-artifacts")

    run("s3", "create_bucket", create_bucket)
    b = ["create_bucket"]
    run("s3", "put_object", put_object, b)
    run("s3", "get_object", get_object, b + ["put_object"])
    run("s3", "head_object", head_object, b + ["put_object"])
    run("s3", "list_objects_v2", list_objects_v2, b + ["put_object"])
    run("s3", "delete_object", delete_object, b + ["put_object"])


def lambda_scenario():
    lam = client("lambda")
    with open(os.path.join(WORKDIR, "function.zip"), "rb") as f:
        code = f.read()

    def create_function():
        lam.create_function(
            FunctionName="compat-echo", Runtime="python3.12",
            Handler="index.handler", Code={"ZipFile": code},
            Role="arn:aws:iam::000000000000:role/compat", Timeout=10)

    def invoke_request_response():
        got = lam.invoke(FunctionName="compat-echo",
                         Payload=json.dumps({"n": 1}).encode())
        payload = json.loads(got["Payload"].read())
        check(got["StatusCode"] == 200 and "FunctionError" not in got,
              f"status {got['StatusCode']} {got.get('FunctionError')}")
        check(payload == {"echo": {"n": 1}}, f"payload {payload}")

    def invoke_event():
        got = lam.invoke(FunctionName="compat-echo", InvocationType="Event",
                         Payload=b'{"n": 2}')
        check(got["StatusCode"] == 202, f"status {got['StatusCode']}")

    def invoke_log_tail():
        got = lam.invoke(FunctionName="compat-echo", LogType="Tail",
                         Payload=b'{"n": 3}')
        log = base64.b64decode(got.get("LogResult", "")).decode()
        check("compat-echo says hello" in log, f"LogResult {log!r}")

    def list_functions():
        names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
        check("compat-echo" in names, f"functions {names}")

    def get_function():
        got = lam.get_function(FunctionName="compat-echo")
        check(got["Configuration"]["Handler"] == "index.handler",
              f"configuration {got['Configuration']}")

    def delete_function():
        lam.delete_function(FunctionName="compat-echo")
        try:
            lam.get_function(FunctionName="compat-echo")
        except lam.exceptions.ResourceNotFoundException:
            return
        raise AssertionError("the deleted function is still there")

    run("lambda", "create_function", create_function)
    f = ["create_function"]
    run("lambda", "invoke_request_response", invoke_request_response, f)
    run("lambda", "invoke_event", invoke_event, f)
    run("lambda", "invoke_log_tail", invoke_log_tail, f)
    run("lambda", "list_functions", list_functions, f)
    run("lambda", "get_function", get_function, f)
    run("lambda", "delete_function", delete_function, f)


def dynamodb_scenario():
    ddb = client("dynamodb")
    table = "compat-orders"

    def create_table():
        ddb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}])

    def put_item():
        for sk in range(3):
            ddb.put_item(TableName=table, Item={
                "pk": {"S": "order"}, "sk": {"N": str(sk)},
                "status": {"S": "new"}, "total": {"N": "10.5"}})

    def get_item():
        got = ddb.get_item(TableName=table,
                           Key={"pk": {"S": "order"}, "sk": {"N": "1"}})
        check(got["Item"]["total"] == {"N": "10.5"}, f"item {got}")

    def query():
        got = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND sk >= :min",
            ExpressionAttributeValues={":pk": {"S": "order"},
                                       ":min": {"N": "1"}})
        check([i["sk"]["N"] for i in got["Items"]] == ["1", "2"],
              f"items {got['Items']}")

    def update_with_condition():
        key = {"pk": {"S": "order"}, "sk": {"N": "0"}}
        got = ddb.update_item(
            TableName=table, Key=key,
            UpdateExpression="SET #s = :done",
            ConditionExpression="#s = :new",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": {"S": "done"},
                                       ":new": {"S": "new"}},
            ReturnValues="ALL_NEW")
        check(got["Attributes"]["status"] == {"S": "done"}, f"answer {got}")
        try:
            ddb.update_item(
                TableName=table, Key=key, UpdateExpression="SET #s = :done",
                ConditionExpression="#s = :new",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":done": {"S": "done"},
                                           ":new": {"S": "new"}})
        except ddb.exceptions.ConditionalCheckFailedException:
            return
        raise AssertionError("a false condition did not fail")

    def scan():
        got = ddb.scan(TableName=table, FilterExpression="#s = :new",
                       ExpressionAttributeNames={"#s": "status"},
                       ExpressionAttributeValues={":new": {"S": "new"}})
        check(got["Count"] == 2, f"scan count {got['Count']}")
        ddb.delete_table(TableName=table)

    run("dynamodb", "create_table", create_table)
    t = ["create_table"]
    run("dynamodb", "put_item", put_item, t)
    p = t + ["put_item"]
    run("dynamodb", "get_item", get_item, p)
    run("dynamodb", "query", query, p)
    run("dynamodb", "update_with_condition", update_with_condition, p)
    run("dynamodb", "scan", scan, p + ["update_with_condition"])


def eventbridge_scenario():
    events = client("events")
    s = {}

    def put_rule():
        s["arn"] = events.put_rule(Name="compat-tick",
                                   ScheduleExpression="rate(5 minutes)",
                                   State="ENABLED")["RuleArn"]

    def put_targets():
        _, queue_arn = compat_lib.fixture_queue(ENDPOINT, "compat-ticks")
        got = events.put_targets(Rule="compat-tick", Targets=[
            {"Id": "queue", "Arn": queue_arn}])
        check(got["FailedEntryCount"] == 0, f"answer {got}")

    def list_rules():
        names = [r["Name"] for r in events.list_rules()["Rules"]]
        check("compat-tick" in names, f"rules {names}")
        targets = events.list_targets_by_rule(Rule="compat-tick")["Targets"]
        check([t["Id"] for t in targets] == ["queue"], f"targets {targets}")

    def delete_rule():
        events.remove_targets(Rule="compat-tick", Ids=["queue"])
        events.delete_rule(Name="compat-tick")

    run("eventbridge", "put_rule", put_rule)
    r = ["put_rule"]
    run("eventbridge", "put_targets", put_targets, r)
    run("eventbridge", "list_rules", list_rules, r + ["put_targets"])
    run("eventbridge", "delete_rule", delete_rule, r + ["put_targets"])


def main():
    print(json.dumps({"client": "boto3", "version": boto3.__version__,
                      "botocore": botocore.__version__}), flush=True)
    for scenario in [sqs_scenario, sns_scenario, s3_scenario, lambda_scenario,
                     dynamodb_scenario, eventbridge_scenario]:
        scenario()


if __name__ == "__main__":
    compat_lib.main_guard(main)
