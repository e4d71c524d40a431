"""Handlers of testdata/gaps/template.yaml."""
import json
import os

import boto3

_SQS = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


def on_upload(event, context):
    """An S3 event: tells the `seen` queue what happened to which key."""
    record = event["Records"][0]
    _SQS.send_message(
        QueueUrl=os.environ["SEEN_URL"],
        MessageBody=json.dumps({"eventName": record["eventName"],
                                "key": record["s3"]["object"]["key"],
                                "size": record["s3"]["object"]["size"],
                                "bucket": record["s3"]["bucket"]["name"]}))


def hello(event, context):
    """An HTTP API (2.0) event: a bare object answer is a 200 JSON body."""
    return {"greeting": "hi " + event["pathParameters"]["name"],
            "routeKey": event["routeKey"],
            "query": event.get("queryStringParameters")}


def flaky(event, context):
    raise RuntimeError("flaky fails on purpose")
