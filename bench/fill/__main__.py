"""``python -m bench.fill DATABASE_URL COUNT``: the command line of ``bench.fill``."""

import sys

from bench.fill import main

sys.exit(main())
