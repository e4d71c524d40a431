"""Runs one task of the pipe from a shell, without an end, as the sqspipes
README's machines do:

    python script.py generate 8    # 8 workers submitting new words
    python script.py reduce 16     # 16 workers reducing words to vowels
    python script.py count         # workers as registered

Against fanlab: `fanlab serve` and AWS_ENDPOINT_URL=http://127.0.0.1:PORT
(with any AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_REGION).
"""
import sys

from pipeline import _word_priority, client


def generate(workers):
    for res in client.run('_generate', args=(10,), iterate=True,
                          workers=workers, priority=_word_priority):
        print(res)


def reduce(workers):
    for res in client.run('_reduce', iterate=True, workers=workers):
        if res is not None:
            print('%s -> %s' % tuple(res))


def count(workers):
    for res in client.run('_count', iterate=True, workers=workers):
        print('%s -> %d' % tuple(res))


if __name__ == '__main__':
    if len(sys.argv) < 2:
        raise SystemExit('usage: script.py generate|reduce|count [WORKERS]')
    n_workers = int(sys.argv[2]) if len(sys.argv) > 2 else None
    tasks = {'generate': generate, 'reduce': reduce, 'count': count}
    if sys.argv[1] not in tasks:
        raise SystemExit('Invalid argument: must be one of generate, reduce '
                         'or count')
    tasks[sys.argv[1]](n_workers)
