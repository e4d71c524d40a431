"""Records orders from an SQS queue in a DynamoDB table, with boto3.

An SQS event source mapping calls handler() with a batch of messages.
Each message body is an order, {"id": "42", "item": "espresso"}; a body
that is not such an order is reported back as a batch item failure, so
SQS retries it alone (and, past the queue's maxReceiveCount, moves it to
the dead-letter queue) while the good ones are deleted.

The code is what would be deployed to AWS: boto3 finds its endpoint,
region and credentials in the environment the runtime sets (fanlab
points AWS_ENDPOINT_URL at the emulator; boto3 before 1.28 does not read
that variable, hence the explicit endpoint_url).
"""
import json
import os

import boto3

_TABLE = boto3.resource(
    "dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL")
).Table(os.environ["TABLE"])


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            item = {"id": str(order["id"]), "item": str(order["item"]),
                    "queue": record["eventSourceARN"].split(":")[-1]}
        except (ValueError, KeyError, TypeError):
            print("not an order:", record["body"])
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        _TABLE.put_item(Item=item)
        print("recorded order", item["id"], "with",
              context.get_remaining_time_in_millis(), "ms left")
    return {"batchItemFailures": failures}
