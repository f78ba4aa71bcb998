"""Shared pytest fixtures: the in-process SFTP server and the Business Central emulator."""

pytest_plugins = ["embedded_sftp.pytest_plugin", "bc_emulator.pytest_plugin"]
