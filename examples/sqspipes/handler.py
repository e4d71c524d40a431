"""One machine of the pipe per Lambda invocation.

The sqspipes README runs each task as a long-lived process
(`python script.py reduce 16`). A Lambda invocation has a deadline, so each
runs its task for a bounded time:

    {"task": "generate", "workers": 1, "executions": 20, "max_size": 10,
     "interval": [0.05, 0.1]}
        runs `_generate` `executions` times, `interval` seconds apart (a
        number, or a list cycled through as a callable's answers), each
        word's priority by its length;
    {"task": "reduce", "workers": 2, "max_idle": 0.5, "poll_interval": 0.1}
    {"task": "count", "workers": 2, "max_idle": 0.5, "poll_interval": 0.1}
        run the task on the messages of the task before it until its
        queues have been empty for `max_idle` seconds of polling, passes
        `poll_interval` seconds apart.

Every task also stops when less than STOP_MS (default 1500) of the
invocation is left. `count`'s results go to the queue RESULTS_QUEUE_URL as
{"word": ..., "vowels": n}. The answer is how many results the task gave
(`results`) and, for generate, the interval's answers (`waits`, seconds).
"""
import itertools
import json
import os

import pipeline


def _interval(value, waits):
    """The task's interval: a number, or for a list a callable answering
    its elements in turn; `waits` records every answer."""
    answers = itertools.cycle(value if isinstance(value, list) else [value])

    def interval():
        waits.append(next(answers))
        return waits[-1]
    return interval


def handler(event, context):
    stop_ms = int(os.environ.get('STOP_MS', '1500'))
    options = dict(
        iterate=True, workers=event.get('workers'),
        until=lambda: context.get_remaining_time_in_millis() < stop_ms)
    task = event['task']
    waits = []
    if task == 'generate':
        runner = pipeline.client.get_task_by_name('_generate')
        runner.interval = _interval(event.get('interval', 0), waits)
        results = pipeline.client.run(
            '_generate', args=(event.get('max_size', 10),),
            priority=pipeline._word_priority,
            max_executions=event.get('executions', 10), **options)
    elif task in ('reduce', 'count'):
        results = pipeline.client.run(
            '_' + task, max_idle=event.get('max_idle', 0.5),
            poll_interval=event.get('poll_interval', 0.1), **options)
    else:
        raise ValueError('task must be generate, reduce or count, not %r'
                         % (task,))

    sqs = pipeline.client.sqs
    given = 0
    for result in results:
        given += 1
        print(task, json.dumps(result))
        if task == 'count':
            word, vowels = result
            sqs.send_message(
                QueueUrl=os.environ['RESULTS_QUEUE_URL'],
                MessageBody=json.dumps({'word': word, 'vowels': vowels}))
    answer = {'task': task, 'results': given}
    if task == 'generate':
        answer['waits'] = waits
    return answer
