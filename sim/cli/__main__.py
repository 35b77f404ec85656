"""``python -m sim.cli ARGS...``: the same as ``corridor ARGS...``."""

import sys

from sim.cli import main

sys.exit(main())
