"""A Worker: processes one Job of a Run (invoked asynchronously by the
Dispatcher with {"runId", "jobId", "params"}).

1. reads the job's row in JOBS_TABLE ("<run>#<job>"): a job already
   complete is skipped (the guard against running a job twice);
2. does the job's work: here, when params has "workMs", it sleeps that
   many milliseconds;
3. writes the job's row, {JobID, RunID, Complete: true};
4. stores its artifact, ARTIFACTS_BUCKET/<run>/<job>.json;
5. adds 1 to the run's CompletedJobs in RUNS_TABLE.

The guard reads, then writes: a retried attempt of a job whose first
attempt failed after step 3 finds the row complete and skips the rest,
so that job's artifact and count are never written (README.md).
"""

import json
import os
import time

import boto3

_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
s3 = boto3.client("s3", endpoint_url=_ENDPOINT)
dynamodb = boto3.client("dynamodb", endpoint_url=_ENDPOINT)


def handler(event, context):
    run_id, job_id = event["runId"], event["jobId"]
    params = event.get("params") or {}
    jobs_table = os.environ.get("JOBS_TABLE", "Jobs")
    job_key = "%s#%s" % (run_id, job_id)
    artifact = "%s/%s.json" % (run_id, job_id)

    row = dynamodb.get_item(TableName=jobs_table,
                            Key={"JobID": {"S": job_key}},
                            ConsistentRead=True).get("Item")
    if row and row.get("Complete", {}).get("BOOL"):
        print("job %s of run %s is complete already: skipped"
              % (job_id, run_id))
        return {"runId": run_id, "jobId": job_id, "status": "Skipped"}

    # The job's work.
    if "workMs" in params:
        time.sleep(params["workMs"] / 1000.0)

    dynamodb.put_item(TableName=jobs_table,
                      Item={"JobID": {"S": job_key}, "RunID": {"S": run_id},
                            "Complete": {"BOOL": True}})
    s3.put_object(Bucket=os.environ["ARTIFACTS_BUCKET"], Key=artifact,
                  ContentType="application/json",
                  Body=json.dumps({"runId": run_id, "jobId": job_id,
                                   "params": params,
                                   "status": "Complete"}).encode("utf-8"))
    dynamodb.update_item(TableName=os.environ.get("RUNS_TABLE", "Runs"),
                         Key={"RunID": {"S": run_id}},
                         UpdateExpression="ADD CompletedJobs :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
    return {"runId": run_id, "jobId": job_id, "status": "Complete",
            "artifact": artifact}
