"""The Summary (GET /summary, or any invocation): clears up to 10 runs
from RUN_QUEUE_URL and publishes a summary of each to TOPIC_ARN, which
mails it to the topic's subscribers:

    Subject: Run <id>
    Summary for run: <id>
    Completed jobs: <CompletedJobs>/<TotalJobs>

One receive of at most 10 messages per call: the rest wait for the next
call. The counts are whatever the workers have written by then: nothing
waits for a run's jobs to finish (README.md). A message that is not
{"runID": "<id>"} is deleted unpublished and counted as malformed.
Answers API Gateway's proxy response 200 {"runs": [ids], "malformed": n}.
"""

import json
import os
import re

import boto3

_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
sqs = boto3.client("sqs", endpoint_url=_ENDPOINT)
dynamodb = boto3.client("dynamodb", endpoint_url=_ENDPOINT)
sns = boto3.client("sns", endpoint_url=_ENDPOINT)

VALID_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}\Z")


def run_id_of(body):
    try:
        message = json.loads(body)
    except ValueError:
        return None
    run_id = message.get("runID") if isinstance(message, dict) else None
    return run_id if isinstance(run_id, str) and VALID_ID.match(run_id) else None


def handler(event, context):
    queue_url = os.environ["RUN_QUEUE_URL"]
    runs_table = os.environ.get("RUNS_TABLE", "Runs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                   WaitTimeSeconds=0).get("Messages", [])
    runs, malformed = [], 0
    for message in messages:
        run_id = run_id_of(message["Body"])
        if run_id is None:
            print("summary: dropping a malformed message:", message["Body"])
            malformed += 1
            continue
        row = dynamodb.get_item(TableName=runs_table,
                                Key={"RunID": {"S": run_id}},
                                ConsistentRead=True).get("Item")
        if row is None:
            line = "No Runs row for this run."
        else:
            line = "Completed jobs: %s/%s" % (
                row.get("CompletedJobs", {}).get("N", "0"),
                row.get("TotalJobs", {}).get("N", "0"))
        sns.publish(TopicArn=os.environ["TOPIC_ARN"], Subject="Run " + run_id,
                    Message="Summary for run: %s\n%s" % (run_id, line))
        runs.append(run_id)
    if messages:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                     for i, m in enumerate(messages)])
    return {"statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"runs": runs, "malformed": malformed})}
