"""The Dispatcher: starts a Run (GET /dispatch, or any invocation).

1. reads the Run's configuration, {"jobs": [{"id": "a", ...}, ...]}, from
   CONFIG_BUCKET/CONFIG_KEY (a job's fields other than "id" are its params);
2. invokes WORKER_FUNCTION once per job, asynchronously (Event), with
   {"runId", "jobId", "params"};
3. writes the run to RUNS_TABLE: TotalJobs and JobIDs, adding 0 to
   CompletedJobs (the workers are already running and may have counted);
4. sends {"runID": id} to RUN_QUEUE_URL for the Summary.

The run id is the query's runId (GET /dispatch?runId=r1), else a JSON
body's "runId", else (invoked directly) the event's "runId", else the
invocation's request id. Answers API Gateway's proxy response:
200 {"runId", "totalJobs", "jobIds"}, 400 {"message"} for a bad run id.
"""

import json
import os
import re

import boto3

# boto3 reads AWS_ENDPOINT_URL itself from 1.28 on; older ones are told.
_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
s3 = boto3.client("s3", endpoint_url=_ENDPOINT)
lambda_client = boto3.client("lambda", endpoint_url=_ENDPOINT)
dynamodb = boto3.client("dynamodb", endpoint_url=_ENDPOINT)
sqs = boto3.client("sqs", endpoint_url=_ENDPOINT)

# Run and job ids become table keys ("run#job"), object keys
# ("run/job.json") and an email's subject.
VALID_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}\Z")
ID_RULE = "must be 1-64 characters of letters, digits, '-', '_', '.', ':'"


def respond(status, body):
    return {"statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def run_id_source(event):
    """Where the run id may be: the query, a JSON body, or the event."""
    if "httpMethod" not in event:
        return event
    query = event.get("queryStringParameters") or {}
    if "runId" in query:
        return query
    if event.get("body"):
        body = json.loads(event["body"])  # ValueError: not JSON
        if not isinstance(body, dict):
            raise ValueError("not an object")
        return body
    return {}


def read_jobs(bucket, key):
    """[(job id, params)] from the Run's configuration."""
    config = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if not isinstance(config, dict) or not isinstance(config.get("jobs"),
                                                      list):
        raise ValueError('%s must be {"jobs": [...]}' % key)
    jobs, seen = [], set()
    for i, job in enumerate(config["jobs"]):
        if not isinstance(job, dict):
            raise ValueError("jobs[%d] must be an object" % i)
        params = dict(job)
        job_id = params.pop("id", None)
        if not isinstance(job_id, str) or not VALID_ID.match(job_id):
            raise ValueError("jobs[%d].id %s" % (i, ID_RULE))
        if job_id in seen:
            raise ValueError("jobs[%d].id repeats job id %s" % (i, job_id))
        seen.add(job_id)
        jobs.append((job_id, params))
    return jobs


def handler(event, context):
    try:
        source = run_id_source(event)
    except ValueError:
        return respond(400, {"message": "The body must be a JSON object"})
    run_id = source.get("runId")
    if run_id is None:
        run_id = context.aws_request_id
    elif not isinstance(run_id, str) or not VALID_ID.match(run_id):
        return respond(400, {"message": "runId " + ID_RULE})

    jobs = read_jobs(os.environ["CONFIG_BUCKET"],
                     os.environ.get("CONFIG_KEY", "jobs.json"))

    # First each job to a worker, then the run's row, then the queue.
    worker = os.environ.get("WORKER_FUNCTION", "worker")
    for job_id, params in jobs:
        lambda_client.invoke(
            FunctionName=worker, InvocationType="Event",
            Payload=json.dumps({"runId": run_id, "jobId": job_id,
                                "params": params}).encode("utf-8"))
    # A fast worker's ADD may already have made the row: set the run's
    # fields and add 0 to the count rather than replace the row.
    dynamodb.update_item(
        TableName=os.environ.get("RUNS_TABLE", "Runs"),
        Key={"RunID": {"S": run_id}},
        UpdateExpression=("SET TotalJobs = :total, JobIDs = :ids "
                          "ADD CompletedJobs :zero"),
        ExpressionAttributeValues={
            ":total": {"N": str(len(jobs))},
            ":ids": {"L": [{"S": job_id} for job_id, _ in jobs]},
            ":zero": {"N": "0"}})
    sqs.send_message(QueueUrl=os.environ["RUN_QUEUE_URL"],
                     MessageBody=json.dumps({"runID": run_id}))
    return respond(200, {"runId": run_id, "totalJobs": len(jobs),
                         "jobIds": [job_id for job_id, _ in jobs]})
