"""python -m stampli_nav_runner ... is the same as the stampli-nav command."""

import sys

from stampli_nav_runner.cli import main

sys.exit(main())
