"""A minimal Airbyte destination speaking the protocol by hand, for testing the runner's plumbing in isolation.

Config: {"crash_after_records": N (optional), "echo": "all"|"none"|"last"|"invented", "reject": [keys]}.
Logs one audit line per record (contract §2) and echoes STATE messages after the records before them.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def audit(event):
    level = "WARN" if event["action"] == "rejected" else "INFO"
    emit({"type": "LOG", "log": {"level": level, "message": json.dumps({"event": "stampli_nav.audit", **event})}})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--config")
    parser.add_argument("--catalog")
    args = parser.parse_args()
    config = json.loads(Path(args.config).read_text())
    counts = Counter()
    seen = 0
    last_state = None
    echo = config.get("echo", "all")
    for line in sys.stdin:
        message = json.loads(line)
        if message["type"] == "RECORD":
            seen += 1
            if config.get("crash_after_records") is not None and seen > config["crash_after_records"]:
                sys.stderr.write("destination crashed: NAV went away\n")
                return 3
            data = message["record"]["data"]
            key = data.get("invoice_id") or data.get("vendor_id")
            if key in config.get("reject", []):
                action = "rejected"
                audit(
                    {
                        "stream": message["record"]["stream"],
                        "key": key,
                        "action": action,
                        "reason": "unknown_gl_account: G/L account 9999 does not exist in NAV",
                    }
                )
            else:
                action = "posted"
                audit(
                    {
                        "stream": message["record"]["stream"],
                        "key": key,
                        "action": action,
                        "source_file": data.get("_ab_source_file_url"),
                        "source_rows": data.get("_stampli_source_rows"),
                        "record_hash": data.get("_stampli_record_hash"),
                        "nav_document_number": f"STP-{key}",
                        "nav_entry_numbers": [seen * 10, seen * 10 + 1],
                        "amount": data.get("invoice_total"),
                        "vendor": data.get("vendor_id"),
                        "reason": None,
                    }
                )
            counts[action] += 1
        elif message["type"] == "STATE":
            last_state = message
            if echo == "all":
                emit(message)
            elif echo == "invented":
                emit(
                    {
                        "type": "STATE",
                        "state": {
                            "type": "STREAM",
                            "stream": {"stream_descriptor": {"name": "ghost"}, "stream_state": {"x": 1}},
                        },
                    }
                )
    if echo == "last" and last_state:
        emit(last_state)
    emit(
        {
            "type": "LOG",
            "log": {
                "level": "INFO",
                "message": json.dumps(
                    {"event": "stampli_nav.summary", "counts": dict(counts), "api": {"http_requests": seen}}
                ),
            },
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
