"""Entry point of fanlab's runtime client for Lambda's python3.x runtimes:
`python3 <runtimes_dir>/python/bootstrap.py`. The client is the module
_fanlab_lambda_runtime beside this file, imported rather than run so that
Python reuses its compiled bytecode from one start to the next."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import _fanlab_lambda_runtime  # noqa: E402

_fanlab_lambda_runtime.main()
