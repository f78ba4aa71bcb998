"""bc-emulator."""
