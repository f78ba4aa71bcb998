"""Entity sets served by the emulator, one module per business area."""
