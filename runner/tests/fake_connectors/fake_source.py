"""A minimal Airbyte source speaking the protocol by hand, for testing the runner's plumbing in isolation.

Config: {"invoices": N, "state_every": K, "gl_account": the lines' G/L code (default "6100"), "fail_after": M (optional), "secret": "...", "hang": bool,
         "log_secret": bool, "fail_once_marker": path (fail the first run only)}. State: {"cursor": last emitted index}; records resume after it.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def log(level, text):
    emit({"type": "LOG", "log": {"level": level, "message": text}})


CATALOG = {
    "streams": [
        {
            "name": "invoices",
            "json_schema": {"type": "object"},
            "supported_sync_modes": ["full_refresh", "incremental"],
            "source_defined_cursor": True,
            "default_cursor_field": ["n"],
            "source_defined_primary_key": [["invoice_id"]],
        },
        {
            "name": "vendors",
            "json_schema": {"type": "object"},
            "supported_sync_modes": ["full_refresh"],
            "source_defined_primary_key": [["vendor_id"]],
        },
    ]
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--config")
    parser.add_argument("--catalog")
    parser.add_argument("--state")
    args = parser.parse_args()
    config = json.loads(Path(args.config).read_text()) if args.config else {}
    if args.command == "discover":
        emit({"type": "CATALOG", "catalog": CATALOG})
        return 0
    if args.command == "check":
        ok = config.get("secret") == "open-sesame"
        emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED" if ok else "FAILED"}})
        return 0
    catalog = json.loads(Path(args.catalog).read_text())
    streams = {entry["stream"]["name"]: entry for entry in catalog["streams"]}
    state = json.loads(Path(args.state).read_text()) if args.state else []
    cursor = 0
    for message in state:
        if message["stream"]["stream_descriptor"]["name"] == "invoices":
            cursor = message["stream"]["stream_state"]["cursor"]
    if "invoices" in streams and streams["invoices"]["sync_mode"] == "full_refresh":
        cursor = 0
    if config.get("log_secret"):
        sys.stderr.write(f"Traceback: bad password {config.get('secret')}\n")
        log("INFO", f"connecting with {config.get('secret')}")
    log("INFO", f"starting at cursor {cursor}")
    log(
        "WARN",
        json.dumps(
            {
                "event": "stampli_nav.audit",
                "stream": "invoices",
                "key": "BAD-1",
                "action": "rejected",
                "source_file": "/outbound/bad.csv",
                "source_rows": [7],
                "reason": "bad_amount: x",
            }
        ),
    )
    marker = config.get("fail_once_marker")
    if marker and not os.path.exists(marker):
        open(marker, "w").close()
        emit(
            {
                "type": "TRACE",
                "trace": {
                    "type": "ERROR",
                    "emitted_at": 0,
                    "error": {"message": "SFTP server unreachable", "failure_type": "transient_error"},
                },
            }
        )
        return 1
    total = config.get("invoices", 5)
    every = config.get("state_every", 2)
    if "invoices" in streams:
        for n in range(cursor + 1, total + 1):
            if config.get("fail_after") is not None and n > config["fail_after"]:
                emit(
                    {
                        "type": "TRACE",
                        "trace": {
                            "type": "ERROR",
                            "emitted_at": 0,
                            "error": {"message": "SFTP connection lost", "failure_type": "transient_error"},
                        },
                    }
                )
                return 1
            emit(
                {
                    "type": "RECORD",
                    "record": {
                        "stream": "invoices",
                        "emitted_at": 0,
                        "data": {
                            "invoice_id": f"INV-{n}",
                            "n": n,
                            "invoice_total": f"{n}.50",
                            "vendor_id": "V1",
                            "status": "Approved",
                            "_ab_source_file_url": "/outbound/invoices.csv",
                            "_stampli_source_rows": [n + 1],
                            "_stampli_record_hash": f"hash{n}",
                            "lines": [
                                {"line_number": 1, "gl_account": config.get("gl_account", "6100"), "amount": f"{n}.50"}
                            ],
                        },
                    },
                }
            )
            if n % every == 0 or n == total:
                emit(
                    {
                        "type": "STATE",
                        "state": {
                            "type": "STREAM",
                            "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"cursor": n}},
                            "sourceStats": {"recordCount": 1.0},
                        },
                    }
                )
            if config.get("hang"):
                time.sleep(0.2)
    if "vendors" in streams:
        emit(
            {
                "type": "RECORD",
                "record": {"stream": "vendors", "emitted_at": 0, "data": {"vendor_id": "V1", "vendor_name": "Acme"}},
            }
        )
        emit(
            {
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {"stream_descriptor": {"name": "vendors"}, "stream_state": {"done": True}},
                },
            }
        )
    print("stray print output that is not JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
