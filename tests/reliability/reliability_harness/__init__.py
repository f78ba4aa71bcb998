"""Shared machinery of the reliability and security proof (issue 9).

- `world`: one Stampli SFTP folder (embedded SFTP server) and one NAV company (BC emulator), with connector configs.
- `exports`: Stampli invoice exports coded to the CRONUS company, and what NAV must hold once they are posted.
- `ledger`: the exactly-once and balance checks, read straight from the emulator's books.
- `inprocess`: a sync with both connectors in this process (source read piped into destination write), keeping
  only destination-confirmed state, as the runner does.
- `processes`: syncs through the real `stampli-nav` runner with the connectors as processes, optionally wrapped
  by `kill_after` (SIGKILL the destination after N messages) or `tee_outputs` (keep their raw output).
- `corpus`: the bad-input manifest and the per-case accounting (rows in = emitted + rejected).

conftest.py puts this folder on sys.path, so test modules `import reliability_harness` (pytest runs in importlib
mode, where test modules cannot import each other).
"""
