#!/usr/bin/env python3
"""Extracts from botocore's service models the operations fanlab serves.

Run by hand when fanlab serves a new action (or to take a newer model):

    python3 scripts/trim-models.py            # the pyenv botocore (newer)
    /usr/bin/python3 scripts/trim-models.py   # Debian's botocore 1.29

It writes emulator/api/models/<name>.json: for each service, the served
operations and every shape they reach, keeping only what fanlab's protocol
codecs read (http method and requestUri, member locations and wire names,
list/map flattening, timestamp formats, payloads, the query result
wrapper). CMake embeds these files in the binary (api/service_model.h).

SQS is written twice: sqs.json (the JSON protocol, newest model) and
sqs-query.json (the query protocol, from the 2012-11-05 model that still
declares it: botocore up to 1.31 ships it; Debian's 1.29 does).
"""
import gzip
import json
import os
import sys

OPERATIONS = {
    "sqs": [
        "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue",
        "PurgeQueue", "GetQueueAttributes", "SetQueueAttributes",
        "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage",
        "DeleteMessageBatch", "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue",
        "ListQueueTags", "ListDeadLetterSourceQueues",
    ],
    "sns": [
        "CreateTopic", "DeleteTopic", "ListTopics", "GetTopicAttributes",
        "SetTopicAttributes", "Subscribe", "Unsubscribe",
        "ListSubscriptions", "ListSubscriptionsByTopic",
        "GetSubscriptionAttributes", "SetSubscriptionAttributes", "Publish",
        "PublishBatch",
    ],
    "lambda": [
        "CreateFunction", "GetFunction", "ListFunctions", "DeleteFunction",
        "UpdateFunctionConfiguration", "UpdateFunctionCode",
        "PutFunctionConcurrency",
        "DeleteFunctionConcurrency", "Invoke",
        "PutFunctionEventInvokeConfig", "GetFunctionEventInvokeConfig",
        "CreateEventSourceMapping", "GetEventSourceMapping",
        "ListEventSourceMappings", "UpdateEventSourceMapping",
        "DeleteEventSourceMapping",
    ],
    "s3": [
        "ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket",
        "PutObject", "GetObject", "HeadObject", "DeleteObject",
        "ListObjectsV2", "ListObjects", "CopyObject", "DeleteObjects",
        "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
        "AbortMultipartUpload", "ListParts", "ListMultipartUploads",
        "PutBucketNotificationConfiguration",
        "GetBucketNotificationConfiguration",
    ],
    "dynamodb": [
        "CreateTable", "DeleteTable", "DescribeTable", "ListTables",
        "PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query", "Scan",
    ],
    "events": [
        "PutRule", "DescribeRule", "ListRules", "DeleteRule", "EnableRule",
        "DisableRule", "PutTargets", "RemoveTargets", "ListTargetsByRule",
    ],
}

METADATA_KEYS = ["apiVersion", "endpointPrefix", "jsonVersion", "protocol",
                 "targetPrefix", "xmlNamespace", "signingName"]
OPERATION_HTTP_KEYS = ["method", "requestUri", "responseCode"]
SHAPE_KEYS = ["type", "payload", "flattened", "locationName",
              "timestampFormat", "streaming", "xmlNamespace", "event",
              "eventstream", "exception", "error", "required"]
MEMBER_KEYS = ["shape", "location", "locationName", "queryName", "flattened",
               "xmlAttribute", "xmlNamespace", "timestampFormat",
               "streaming", "jsonvalue"]


def load(data_dir, service):
    versions = sorted(os.listdir(os.path.join(data_dir, service)))
    # The newest version that has a service-2 file.
    for version in reversed(versions):
        base = os.path.join(data_dir, service, version, "service-2.json")
        if os.path.exists(base):
            with open(base) as f:
                return json.load(f)
        if os.path.exists(base + ".gz"):
            with gzip.open(base + ".gz") as f:
                return json.load(f)
    raise SystemExit(f"no model for {service} under {data_dir}")


def trim(model, operations):
    shapes = model["shapes"]
    keep = {}

    def reach(name):
        if name in keep:
            return
        shape = shapes[name]
        out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
        keep[name] = out
        if "members" in shape:
            out["members"] = {}
            for member, ref in shape["members"].items():
                out["members"][member] = {
                    k: ref[k] for k in MEMBER_KEYS if k in ref}
                reach(ref["shape"])
        for part in ("member", "key", "value"):
            if part in shape:
                out[part] = {k: shape[part][k]
                             for k in MEMBER_KEYS if k in shape[part]}
                reach(shape[part]["shape"])

    ops = {}
    for name in operations:
        op = model["operations"][name]
        out = {"http": {k: op["http"][k] for k in OPERATION_HTTP_KEYS
                        if k in op.get("http", {})}}
        for part in ("input", "output"):
            if part in op:
                out[part] = {k: op[part][k]
                             for k in ("shape", "resultWrapper",
                                       "locationName", "xmlNamespace")
                             if k in op[part]}
                reach(op[part]["shape"])
        out["errors"] = [e["shape"] for e in op.get("errors", [])]
        for e in out["errors"]:
            reach(e)
        ops[name] = out
    return {
        "metadata": {k: model["metadata"][k] for k in METADATA_KEYS
                     if k in model["metadata"]},
        "operations": ops,
        "shapes": dict(sorted(keep.items())),
    }


def main():
    import botocore
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    debian = "/usr/lib/python3/dist-packages/botocore/data"
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                           "emulator", "api", "models")
    for service, operations in OPERATIONS.items():
        model = trim(load(data, service), operations)
        write(out_dir, service, model)
    query = load(debian, "sqs")
    if query["metadata"]["protocol"] != "query":
        raise SystemExit("the SQS model under " + debian + " is not query")
    write(out_dir, "sqs-query", trim(query, OPERATIONS["sqs"]))


def write(out_dir, name, model):
    path = os.path.join(out_dir, name + ".json")
    with open(path, "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")
    print(f"{path}: {len(model['operations'])} operations, "
          f"{len(model['shapes'])} shapes", file=sys.stderr)


if __name__ == "__main__":
    main()
