"""pytest fixtures for the Business Central emulator (filled in with the emulator)."""
