"""A Business Central API v2.0 emulator: a real HTTP server with BC's rules, limits and fault injection.

    from bc_emulator import EmulatorServer, EmulatorSettings
    with EmulatorServer(EmulatorSettings(page_size=50), seed="cronus") as emu:
        ...  # emu.api_base_url, emu.onprem_api_base_url, emu.faults.add(...), emu.usage(), emu.clock

Run on its own: python -m bc_emulator --port 8080 [--seed cronus|file.json] [--tls]
"""

from bc_emulator.errors import ApiError
from bc_emulator.faults import FaultInjector, FaultRule
from bc_emulator.server import EmulatorServer
from bc_emulator.settings import BC_SCOPE, EmulatorSettings

__all__ = ["BC_SCOPE", "ApiError", "EmulatorServer", "EmulatorSettings", "FaultInjector", "FaultRule"]
