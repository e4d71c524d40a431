def handler(event, context):
    return {"job": event.get("job_id"), "status": "done"}
