"""``python -m pipeline``: see :mod:`pipeline.cli`."""

import os
import sys

from pipeline.cli import main

status = main()
# Out at once: tearing down an interpreter holding NumPy and PyAV took 0.1-0.2 s after the last
# line, a few percent of re-rendering one scene. Nothing is left to run: every output was written
# and closed (atomically) and the renders' processes ended before main() returned; no module
# registers an exit function. Only the buffered output is left to flush.
try:
    sys.stdout.flush()
    sys.stderr.flush()
finally:
    os._exit(status)
