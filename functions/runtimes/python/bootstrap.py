"""Entry point of fanlab's runtime client for Lambda's python3.x runtimes:
`python3 <runtimes_dir>/python/bootstrap.py`. The client is the module
_fanlab_lambda_runtime beside this file, imported rather than run so that
Python reuses its compiled bytecode from one start to the next.

Started with FANLAB_PYTHON_ZYGOTE_FD set, this process is the emulator's
fork server instead (_fanlab_zygote beside this file): it preloads, then
forks one process per execution environment, and each of them goes on
from here as a fresh start would."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
if "FANLAB_PYTHON_ZYGOTE_FD" in os.environ:
    import _fanlab_zygote  # noqa: E402

    _fanlab_zygote.serve()  # returns in a new environment's process only
    del _fanlab_zygote
import _fanlab_lambda_runtime  # noqa: E402

_fanlab_lambda_runtime.main()
