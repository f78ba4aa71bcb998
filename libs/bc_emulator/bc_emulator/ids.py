"""Record ids: random GUIDs, as BC's SystemId.

`uuid.uuid4()` reads os.urandom, a system call that releases the GIL; inside the store lock (every write of a
$batch) getting the GIL back can cost the switch interval while other request threads run. An emulator id needs
uniqueness, not cryptographic randomness, so it comes from the `random` module's generator instead (which
Python reseeds in a forked child).
"""

from __future__ import annotations

import random
import uuid


def new_id() -> str:
    """A random (version 4) GUID in BC's lower-case text form."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))
