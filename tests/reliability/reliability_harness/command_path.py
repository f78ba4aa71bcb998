"""Where a connector's console script lives: next to this interpreter (the venv), else on PATH.

Imported by the wrapper scripts (kill_after.py, tee_outputs.py), which run as `python <file>`: their folder is then
the first entry of sys.path.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def resolve(program: str) -> str:
    if os.sep in program:
        return program
    beside = Path(sys.executable).parent / program
    if beside.is_file():
        return str(beside)
    found = shutil.which(program)
    if found is None:
        raise SystemExit(f"{program} not found next to {sys.executable} or on PATH")
    return found
