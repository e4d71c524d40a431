"""sqspipes: tasks chained like shell pipes over SQS FIFO queues.

    from sqspipes import TaskClient
    client = TaskClient(domain='my-app')
    client.register_tasks([
        {'method': _generate, 'workers': 4, 'interval': 0.1, 'priorities': 3},
        {'method': _reduce, 'workers': 2},
        _count,
    ])
    for result in client.run('_reduce', iterate=True):
        print(result)
"""
from .task import EmptyTaskOutput, TaskError, TaskRunner
from .task_client import TaskClient, TaskClientError

__all__ = ['EmptyTaskOutput', 'TaskClient', 'TaskClientError', 'TaskError',
           'TaskRunner']
