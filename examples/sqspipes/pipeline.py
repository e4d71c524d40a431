"""The pipe of the sqspipes README, on words: generate a word, reduce it to
its vowels, count them.

    generate word -> reduce word to only its vowels -> count the reduced word

`client` is the pipe; script.py runs one of its tasks from a shell, as the
README's machines do, and handler.py runs one inside a Lambda invocation.
"""
import itertools
import os
import random
import string
import threading

from sqspipes import TaskClient

VOWELS = 'aeiou'

# Each generated word draws from a generator seeded by its number, so a run
# makes the same words whatever thread makes which one.
_numbers = itertools.count(int(os.environ.get('WORD_SEED', '0')) * 1000000)
_numbers_lock = threading.Lock()


def _generate(max_size):
    with _numbers_lock:
        n = next(_numbers)
    rng = random.Random(n)
    return ''.join(rng.choice(string.ascii_lowercase)
                   for _ in range(rng.randint(1, max_size)))


def _reduce(value, keep='vowels'):
    result = ''.join(v for v in value if (v in VOWELS) == (keep == 'vowels'))
    if not result:
        return None  # nothing to count: the word stops here
    return value, result


def _count(data):
    if data is None:  # reached only with ignore_none=False
        return None, 0
    value, vowels = data
    return value, len(vowels)


def _word_priority(word):
    """Longer words first: 1-3 letters 0, 4-7 letters 1, 8 or more 2."""
    return min(len(word) // 4, 2)


client = TaskClient(
    domain=os.environ.get('DOMAIN', 'pipe'),
    aws_region=os.environ.get('AWS_REGION'),
    endpoint_url=os.environ.get('AWS_ENDPOINT_URL'),
    ignore_none=os.environ.get('IGNORE_NONE', 'true') != 'false',
)
client.register_tasks([
    {'method': _generate, 'workers': 1, 'priorities': 3},
    {'method': _reduce, 'workers': 2, 'priorities': 3},
    {'method': _count, 'workers': 2},
])
