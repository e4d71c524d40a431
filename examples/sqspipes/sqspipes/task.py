"""One task of a pipe: the FIFO queues it writes, its worker threads and the
loop that feeds them.

A task named NAME in domain D writes its outputs to the queues D-NAME.fifo
(priority 0) and D-NAME--pK.fifo (priority K = 1 .. priorities-1); the next
task reads them, highest priority first. Every message is
{"meta": {"priority": K}, "value": <the output>} in the group "-", with a
fresh deduplication id.

A worker deletes the messages it received before it runs the task on them
(at most once): a worker that dies between the delete and the send of the
output loses those messages. That is this library's design, kept as it is.
"""
import json
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor

MAX_PRIORITIES = 16
# The attributes the queues are created with.
QUEUE_ATTRIBUTES = {'FifoQueue': 'true', 'VisibilityTimeout': '120'}


class EmptyTaskOutput(object):
    """Returned by a task whose output must not go on down the pipe when the
    client passes None on (ignore_none=False)."""


class TaskError(Exception):
    """An exception a task raised in its worker thread, re-raised by run()."""

    def __init__(self, error):
        super(TaskError, self).__init__(repr(error))
        self.error = error


class _Pool(object):
    """`workers` threads; submit() blocks while they are all busy."""

    def __init__(self, workers, on_finish):
        self._on_finish = on_finish
        self._slots = threading.Semaphore(workers)
        self._executor = ThreadPoolExecutor(max_workers=workers)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._results = []  # (submission number, output)
        self._submitted = 0
        self._running = 0

    def submit(self, fn, args, meta):
        self._slots.acquire()
        with self._lock:
            self._running += 1
            self._submitted += 1
            number = self._submitted
        self._executor.submit(self._run, number, fn, args, meta)

    def _run(self, number, fn, args, meta):
        try:
            try:
                output = fn(*args)
            except Exception as e:  # brought to run()'s caller
                output = TaskError(e)
            self._on_finish(meta, output)
            with self._lock:
                self._results.append((number, output))
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()
            self._slots.release()

    def busy(self):
        with self._lock:
            return self._running > 0

    def wait(self):
        with self._lock:
            while self._running:
                self._idle.wait()

    def take_results(self):
        """The outputs finished since the last call, in the order their
        inputs were submitted (not the order the threads happened to
        finish in)."""
        with self._lock:
            results, self._results = self._results, []
        return [output for _, output in sorted(results, key=lambda r: r[0])]

    def shutdown(self):
        self.wait()
        self._executor.shutdown(wait=True)


class TaskRunner(object):
    """A registered task. TaskClient builds them; run() is TaskClient.run."""

    def __init__(self, fn, name, domain, sqs, in_queue_names, workers=1,
                 priorities=1, interval=0, final=False, ignore_none=True):
        self.fn = fn
        self.name = name
        self.domain = domain
        self.sqs = sqs
        self.in_queue_names = list(in_queue_names)
        self.workers = workers
        self.priorities = priorities
        self.interval = interval
        self.final = final
        self.ignore_none = ignore_none
        self._out_queue_urls = []

    def queue_name(self, priority):
        base = '%s-%s' % (self.domain, self.name)
        if not priority:
            return base + '.fifo'
        return '%s--p%d.fifo' % (base, priority)

    @property
    def out_queue_names(self):
        """The queues this task writes, by priority (0 first); none for the
        last task."""
        if self.final:
            return []
        return [self.queue_name(p) for p in range(self.priorities)]

    def set_workers(self, workers):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError('`workers` must be a positive integer, not %r'
                             % (workers,))
        self.workers = workers

    def _queue_url(self, name):
        try:
            return self.sqs.get_queue_url(QueueName=name)['QueueUrl']
        except self.sqs.exceptions.QueueDoesNotExist:
            return None

    def setup(self):
        """Creates the queues this task writes, where they do not exist."""
        urls = []
        for name in self.out_queue_names:
            url = self._queue_url(name)
            if url is None:
                url = self.sqs.create_queue(
                    QueueName=name, Attributes=QUEUE_ATTRIBUTES)['QueueUrl']
            urls.append(url)
        self._out_queue_urls = urls

    def _in_queues(self, min_priority, max_priority, retry_seconds, until):
        """(priority, url) of the queues this task reads, highest priority
        first, waiting for the task before to create them; None when
        until() says to stop first."""
        wanted = []
        for priority in reversed(range(len(self.in_queue_names))):
            if min_priority is not None and priority < min_priority:
                continue
            if max_priority is not None and priority > max_priority:
                continue
            wanted.append((priority, self.in_queue_names[priority]))
        waited = False
        while True:
            found = [(p, self._queue_url(name)) for p, name in wanted]
            if all(url is not None for _, url in found):
                if waited:
                    print('OK')
                return found
            if until is not None and until():
                return None
            if not waited:
                print('Waiting for input queues...')
                waited = True
            time.sleep(retry_seconds)

    def _on_task_finish(self, meta, output):
        """In the worker thread: passes the output on to the next task."""
        if self.final or isinstance(output, (TaskError, EmptyTaskOutput)):
            return
        if output is None and self.ignore_none:
            return
        priority = meta.get('priority', 0)
        if callable(priority):
            priority = priority(output)
        priority = min(max(int(priority), 0), len(self._out_queue_urls) - 1)
        body = json.dumps({'meta': dict(meta, priority=priority),
                           'value': output})
        # boto3's clients are thread-safe: the workers send at once.
        try:
            self.sqs.send_message(
                QueueUrl=self._out_queue_urls[priority], MessageBody=body,
                MessageGroupId='-',
                MessageDeduplicationId=str(uuid.uuid4()))
        except Exception:
            # Printed, not raised: the output is lost, the pipe goes on.
            traceback.print_exc()

    def _receive(self, in_queues):
        """The first non-empty queue's messages, highest priority first."""
        for _, url in in_queues:
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(self.workers, 10)
            ).get('Messages', [])
            if messages:
                return url, messages
        return None, []

    def run(self, args=(), priority=0, iterate=False, min_priority=None,
            max_priority=None, max_executions=None, max_idle=None,
            poll_interval=0.1, until=None):
        loop = self._loop(tuple(args), priority, min_priority, max_priority,
                          max_executions, max_idle, poll_interval, until)
        if iterate:
            return loop
        for _ in loop:
            pass

    def _loop(self, args, priority, min_priority, max_priority,
              max_executions, max_idle, poll_interval, until):
        pool = _Pool(self.workers, self._on_task_finish)
        try:
            in_queues = []
            if self.in_queue_names:
                in_queues = self._in_queues(min_priority, max_priority,
                                            poll_interval, until)
                if in_queues is None:
                    return
            executions = 0
            idle_passes = 0
            while until is None or not until():
                if not in_queues:
                    if max_executions is not None and \
                            executions >= max_executions:
                        break
                    if executions:
                        wait = self.interval() if callable(self.interval) \
                            else self.interval
                        if wait:
                            time.sleep(wait)
                    pool.submit(self.fn, args, {'priority': priority})
                    executions += 1
                else:
                    url, messages = self._receive(in_queues)
                    if messages:
                        idle_passes = 0
                        payloads = [json.loads(m['Body']) for m in messages]
                        # Deleted before they are worked on: at most once.
                        self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                            {'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']}
                            for i, m in enumerate(messages)])
                        for payload in payloads:
                            pool.submit(self.fn, (payload['value'],) + args,
                                        payload['meta'])
                    elif max_idle is not None and \
                            idle_passes * poll_interval >= max_idle and \
                            not pool.busy():
                        break
                    else:
                        idle_passes += 1
                        time.sleep(poll_interval)
                for result in self._results(pool):
                    yield result
            pool.wait()
            for result in self._results(pool):
                yield result
        finally:
            pool.shutdown()

    @staticmethod
    def _results(pool):
        results = pool.take_results()
        error = None
        for result in results:
            if isinstance(result, TaskError):
                error = error or result.error
        if error is not None:
            # An unhandled exception in a task brings the runner down.
            raise error
        return results
