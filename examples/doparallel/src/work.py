"""A task endpoint as a plain Lambda function: a task whose endpoint is
a function name invokes it with the task's params.

{"square": n*n} when the event has a number "n", else {"echo": event}.
"""


def handler(event, context):
    if isinstance(event, dict):
        n = event.get("n")
        if isinstance(n, (int, float)) and not isinstance(n, bool):
            return {"square": n * n}
    return {"echo": event}
