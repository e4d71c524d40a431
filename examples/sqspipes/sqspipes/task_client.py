"""TaskClient: registers a pipe's tasks and runs one of them."""
import types

import boto3

from .task import MAX_PRIORITIES, TaskRunner


class TaskClientError(ValueError):
    pass


class TaskClient(object):
    """A pipe of tasks in `domain` (the prefix of its queue names).

    aws_key / aws_secret / aws_region: the credentials and region of the SQS
    client; left out, boto3's own lookup applies (environment, profile, the
    Lambda role). endpoint_url: an SQS endpoint other than AWS's (older
    boto3 releases do not read AWS_ENDPOINT_URL themselves). ignore_none:
    a task returning None stops the pipe for that value (the default);
    False passes None on like any output, and EmptyTaskOutput() stops it.
    """

    def __init__(self, domain, aws_key=None, aws_secret=None, aws_region=None,
                 ignore_none=True, endpoint_url=None):
        if not domain:
            raise TaskClientError('`domain` field is required.')
        self.domain = domain
        self.ignore_none = ignore_none
        self.sqs = boto3.client(
            'sqs', region_name=aws_region, endpoint_url=endpoint_url,
            aws_access_key_id=aws_key, aws_secret_access_key=aws_secret)
        self.tasks = []

    def register_tasks(self, tasks):
        """tasks: a list, in pipe order, of callables or dicts with
        `method` (required), `name` (default: the method's __name__),
        `workers` (threads, default 1), `priorities` (1 .. 16, default 1)
        and, for the first task only, `interval` (seconds between two
        executions, a number or a callable returning one, default 0)."""
        if not tasks:
            raise TaskClientError('`tasks` field is required.')
        if not isinstance(tasks, list):
            raise TaskClientError(
                '`tasks` field must be a list of task configurations.')
        self.tasks = []
        previous = None
        for index, task in enumerate(tasks):
            runner = self._parse_task(
                task, index,
                in_queue_names=previous.out_queue_names if previous else [],
                final=index == len(tasks) - 1)
            self.tasks.append(runner)
            previous = runner

    def _parse_task(self, task, index, in_queue_names, final):
        if isinstance(task, (types.FunctionType, types.MethodType)) or \
                (callable(task) and not isinstance(task, dict)):
            task = {'method': task}
        if not isinstance(task, dict) or not callable(task.get('method')):
            raise TaskClientError(
                'task %d: needs a callable `method`' % index)
        name = task.get('name') or task['method'].__name__
        workers = task.get('workers', 1)
        if not isinstance(workers, int) or workers < 1:
            raise TaskClientError(
                'task %r: `workers` must be a positive integer' % name)
        priorities = task.get('priorities', 1)
        if not isinstance(priorities, int) or priorities < 1:
            raise TaskClientError(
                'task %r: `priorities` must be a positive integer' % name)
        interval = task.get('interval', 0)
        if not callable(interval) and (
                not isinstance(interval, (int, float)) or interval < 0):
            raise TaskClientError(
                'task %r: `interval` must be a number of seconds or a '
                'callable returning one' % name)
        return TaskRunner(
            fn=task['method'], name=name, domain=self.domain, sqs=self.sqs,
            in_queue_names=in_queue_names, workers=workers,
            priorities=min(priorities, MAX_PRIORITIES), interval=interval,
            final=final, ignore_none=self.ignore_none)

    def get_task_by_name(self, task_name):
        """A task by its name, or by its index in the pipe."""
        if isinstance(task_name, int):
            return self.tasks[task_name]
        for task in self.tasks:
            if task.name == task_name:
                return task
        raise TaskClientError('no task named %r' % (task_name,))

    @property
    def queues(self):
        """The URLs of this domain's queues."""
        return self.sqs.list_queues(
            QueueNamePrefix=self.domain).get('QueueUrls', [])

    def delete(self):
        """Deletes every queue of this domain."""
        for url in self.queues:
            self.sqs.delete_queue(QueueUrl=url)

    def purge(self):
        """Empties every queue of this domain."""
        for url in self.queues:
            self.sqs.purge_queue(QueueUrl=url)

    def run(self, task_name, args=None, priority=0, iterate=False,
            workers=None, min_priority=None, max_priority=None,
            max_executions=None, max_idle=None, poll_interval=0.1,
            until=None):
        """Runs a task: the first one every `interval`, any other on the
        messages of the task before it, highest priority first.

        args: more arguments for the method (after the previous task's
        output). priority: for the first task, the priority its outputs
        get (a number, or a callable of the output). iterate: return an
        iterator of the outputs instead of running without an end.
        workers: overrides the task's thread count. min_priority,
        max_priority: read only those priority levels.

        Bounds, for a process that must end (a Lambda invocation): the
        first task stops after max_executions executions; any other stops
        once max_idle seconds of polling (passes poll_interval apart) found
        nothing; either stops as soon as until() returns true. In every
        case the work already started finishes first. Without them, run
        never returns.
        """
        if not self.tasks:
            raise TaskClientError('Tasks have not been initialized.')
        task = self.get_task_by_name(task_name)
        if workers is not None:
            task.set_workers(workers)
        if not callable(priority) and not (
                0 <= priority < max(task.priorities, 1)):
            raise TaskClientError(
                'priority %r: task %r has priorities 0 .. %d'
                % (priority, task.name, task.priorities - 1))
        task.setup()
        return task.run(args or (), priority=priority, iterate=iterate,
                        min_priority=min_priority, max_priority=max_priority,
                        max_executions=max_executions, max_idle=max_idle,
                        poll_interval=poll_interval, until=until)
