"""DoParallel: run a job's tasks in parallel on Lambda.

One web app behind API Gateway (`app.handler`); its hops are HTTP calls
through its own routes:

    POST /v1/job     {callback, tasks: [{endpoint, params}]}: creates the
                     job's SQS queue, POSTs each task to DO_TASK_URL
                     (TASK_CONCURRENCY at a time, each answer waited for)
    POST /v1/task    calls the task's endpoint, sends its result to the
                     job's queue, counts the queue; the task that counts
                     every result POSTs the job to FINISH_JOB_URL
    POST /v1/finish  drains the queue, deletes it, POSTs the results
                     object to the job's callback
    POST /v1/test    a task endpoint for trying DoParallel out

A task's endpoint is an http:// URL (POSTed the params as JSON; the
result is the reply, as JSON when it parses) or the name of a Lambda
function (invoked with the params; the result is its payload).

The completeness check is DoParallel's own, weak spot included: messages
in flight are not counted, and two tasks that send before either counts
both see the total and both finish the job (README.md).
"""

import json
import os
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

from router import Router, jsonify, request

app = Router()
handler = app.lambda_handler

# boto3 reads AWS_ENDPOINT_URL itself from 1.28 on; older ones are told.
_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
sqs = boto3.client("sqs", endpoint_url=_ENDPOINT)
lambda_client = boto3.client("lambda", endpoint_url=_ENDPOINT)

MAX_TASK_CONCURRENCY = 256


class EndpointFailed(Exception):
    """A task's endpoint gave no result."""


class FinishFailed(Exception):
    """The finish route could not be reached."""


class CallbackFailed(Exception):
    """The job's callback could not be reached."""


def bad_request(message):
    return jsonify(message=message), 400


def seconds_left():
    """What the invocation has left, as an HTTP timeout."""
    return max(request.context.get_remaining_time_in_millis() / 1000.0, 0.001)


def post_json(url, value):
    """POSTs `value` as JSON; (status, body text) whatever the status.
    Raises OSError (URLError, a timeout) when no answer comes."""
    data = json.dumps(value).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=seconds_left()) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def json_or_text(text):
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def job_id_of(request_id):
    """The request id with anything but [A-Za-z0-9_-] made '-', cut so
    that doparallel-<jobId> fits SQS's 80 characters."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", request_id[:69]) or "job"


@app.route("/v1/job", methods=["POST"])
def job():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return bad_request("body must be a JSON object {callback, tasks}")
    callback = body.get("callback")
    if callback is not None and not (
            isinstance(callback, str) and callback.startswith("http://")):
        return bad_request("callback must be an http:// URL string")
    tasks = body.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        return bad_request(
            "tasks must be a non-empty array of {endpoint, params}")
    for i, task in enumerate(tasks):
        if not isinstance(task, dict):
            return bad_request("tasks[%d] must be an object {endpoint, params}"
                               % i)
        endpoint = task.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return bad_request(
                "tasks[%d].endpoint must be a non-empty string (an http:// "
                "URL or a function name)" % i)
    task_url = os.environ.get("DO_TASK_URL")
    if not task_url:
        return jsonify(status="Error", msg="DO_TASK_URL not set."), 500
    concurrency_text = os.environ.get("TASK_CONCURRENCY", "1")
    try:
        concurrency = int(concurrency_text)
    except ValueError:
        concurrency = 0
    if not 1 <= concurrency <= MAX_TASK_CONCURRENCY:
        raise ValueError("TASK_CONCURRENCY must be an integer from 1 to %d, "
                         "not %r" % (MAX_TASK_CONCURRENCY, concurrency_text))

    job_id = job_id_of(request.context.aws_request_id)
    queue_url = sqs.create_queue(QueueName="doparallel-" + job_id)["QueueUrl"]
    requests = [{"jobId": job_id, "queueUrl": queue_url, "total": len(tasks),
                 "callback": callback, "index": i,
                 "endpoint": task["endpoint"],
                 "params": task.get("params", {})}
                for i, task in enumerate(tasks)]

    def post_task(task_request):
        """True when the task answered 200."""
        try:
            status, text = post_json(task_url, task_request)
        except OSError as e:
            print("job: task %d: %s" % (task_request["index"], e))
            return False
        if status != 200:
            print("job: task %d: HTTP %d %s"
                  % (task_request["index"], status, text[:200]))
        return status == 200

    with ThreadPoolExecutor(max_workers=min(concurrency, len(tasks))) as pool:
        answered = list(pool.map(post_task, requests))
    return jsonify(status="Success", msg="Job Executed", jobId=job_id,
                   queueUrl=queue_url, tasks=len(tasks),
                   failedTasks=answered.count(False))


def call_endpoint(endpoint, params):
    if endpoint.startswith("http://"):
        try:
            _, text = post_json(endpoint, params)
        except OSError as e:
            raise EndpointFailed("%s: %s" % (endpoint, e))
        return json_or_text(text)
    answer = lambda_client.invoke(FunctionName=endpoint,
                                  InvocationType="RequestResponse",
                                  Payload=json.dumps(params).encode("utf-8"))
    payload = answer["Payload"].read().decode("utf-8")
    if "FunctionError" in answer:
        raise EndpointFailed("function %s failed: %s" % (endpoint, payload))
    return json_or_text(payload)


@app.route("/v1/task", methods=["POST"])
def task():
    event = request.get_json(force=True, silent=True)
    if not isinstance(event, dict):
        return bad_request("body must be a JSON object {jobId, queueUrl, "
                           "index, total, endpoint, params, callback}")
    for name in ("jobId", "queueUrl", "endpoint"):
        if not isinstance(event.get(name), str) or not event[name]:
            return bad_request(name + " must be a non-empty string")
    for name in ("index", "total"):
        if not isinstance(event.get(name), int) or isinstance(event[name],
                                                              bool):
            return bad_request(name + " must be an integer")
    finish_url = os.environ["FINISH_JOB_URL"]
    queue_url = event["queueUrl"]

    result = call_endpoint(event["endpoint"], event.get("params"))
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps({"status": "Complete", "result": result}),
        MessageAttributes={
            "Task": {"DataType": "String",
                     "StringValue": str(event["index"])},
            "Status": {"DataType": "String", "StringValue": "Complete"}})

    # The completeness check, as DoParallel has it (the weak spot).
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    count = int(attributes["ApproximateNumberOfMessages"])
    finishing = count == event["total"]
    finish_status = 0
    if finishing:
        try:
            finish_status, _ = post_json(finish_url, {
                "jobId": event["jobId"], "queueUrl": queue_url,
                "total": event["total"], "callback": event.get("callback")})
        except OSError as e:
            raise FinishFailed("%s: %s" % (finish_url, e))
    return jsonify(status="Success", msg="Task Executed", jobId=event["jobId"],
                   index=event["index"], count=count, finishCalled=finishing,
                   finishStatus=finish_status)


def index_order(key):
    """"12" sorts as 12; anything else after every number."""
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


@app.route("/v1/finish", methods=["POST"])
def finish():
    event = request.get_json(force=True, silent=True)
    if not isinstance(event, dict):
        return bad_request(
            "body must be a JSON object {jobId, queueUrl, total, callback}")
    for name in ("jobId", "queueUrl"):
        if not isinstance(event.get(name), str) or not event[name]:
            return bad_request(name + " must be a non-empty string")
    queue_url = event["queueUrl"]
    callback = event.get("callback")

    # Drain: receive 10, delete them, until a receive brings nothing.
    results = {}
    received = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        for message in messages:
            task_attr = message.get("MessageAttributes", {}).get("Task", {})
            # A duplicate task: the last received wins.
            results[task_attr.get("StringValue", "")] = json_or_text(
                message["Body"])
        received += len(messages)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                     for i, m in enumerate(messages)])
    sqs.delete_queue(QueueUrl=queue_url)

    result = {key: results[key] for key in sorted(results, key=index_order)}
    callback_status = 0
    if isinstance(callback, str) and callback:
        try:
            callback_status, _ = post_json(callback, {
                "status": "Success", "msg": "Job Finished", "result": result})
        except OSError as e:
            raise CallbackFailed("%s: %s" % (callback, e))
    return jsonify(status="Success", msg="Job Finished", jobId=event["jobId"],
                   received=received, tasks=len(result),
                   callbackStatus=callback_status)


@app.route("/v1/test", methods=["POST"])
def test():
    """A task endpoint for trying DoParallel without one of your own: any
    JSON body that is not empty or false answers {"result": "true"}."""
    if not request.get_json(force=True, silent=True):
        return bad_request("body must be JSON, not empty or false")
    return jsonify(result="true")
