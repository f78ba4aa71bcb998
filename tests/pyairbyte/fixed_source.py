"""A minimal Airbyte source (standard library only) emitting fixed NAV vendor records, for the PyAirbyte tests.

    python fixed_source.py spec | check --config C | discover --config C | read --config C --catalog K

Its records are the shapes a destination meets from real clients: one as source-dynamics-nav emits it
(BC's camelCase names), one whose field names are all lower-case (as a cache hands them back), and one that lacks
`city` (a field the import file needs: it must be rejected, never written with a blank city).
"""

from __future__ import annotations

import json
import sys

FIELDS = (
    "id", "number", "displayName", "addressLine1", "addressLine2", "city", "state", "country", "postalCode",
    "phoneNumber", "email", "taxRegistrationNumber", "currencyCode", "paymentTermsCode", "blocked",
    "lastModifiedDateTime",
)  # fmt: skip


def vendor(number: str, name: str, city: str) -> dict[str, str]:
    return {
        "id": f"00000000-0000-4000-8000-0000000{number[1:]}",
        "number": number,
        "displayName": name,
        "addressLine1": "1 Main Street",
        "addressLine2": "",
        "city": city,
        "state": "IL",
        "country": "US",
        "postalCode": "62701",
        "phoneNumber": "217-555-0100",
        "email": f"ap@{number.lower()}.example",
        "taxRegistrationNumber": "",
        "currencyCode": "",
        "paymentTermsCode": "NET30",
        "blocked": " ",
        "lastModifiedDateTime": "2026-11-25T10:00:00Z",
    }


COMPLETE = vendor("V90001", "Camel Case Supplies", "Springfield")
LOWER_CASED = {key.lower(): value for key, value in vendor("V90002", "Lower Case Traders", "Peoria").items()}
LACKING_CITY = {key: value for key, value in vendor("V90003", "Cityless Goods", "Chicago").items() if key != "city"}
RECORDS = (COMPLETE, LOWER_CASED, LACKING_CITY)

SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": True,
    "properties": {name: {"type": ["null", "string"]} for name in FIELDS},
}


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "spec":
        emit({"type": "SPEC", "spec": {"connectionSpecification": {"type": "object", "properties": {}}}})
    elif command == "check":
        emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}})
    elif command == "discover":
        stream = {"name": "vendors", "json_schema": SCHEMA, "supported_sync_modes": ["full_refresh"]}
        emit({"type": "CATALOG", "catalog": {"streams": [{**stream, "source_defined_primary_key": [["id"]]}]}})
    elif command == "read":
        for data in RECORDS:
            emit({"type": "RECORD", "record": {"stream": "vendors", "data": data, "emitted_at": 1_764_064_800_000}})
    else:
        sys.stderr.write(f"unknown command {command!r}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
