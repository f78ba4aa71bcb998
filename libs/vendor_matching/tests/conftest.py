import sys
from pathlib import Path

# vendor_fixture.py is a script beside the tests (also runnable on its own to write the fixture as CSV).
sys.path.insert(0, str(Path(__file__).parent))
