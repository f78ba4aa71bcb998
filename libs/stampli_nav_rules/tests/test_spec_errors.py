"""Config checked against a spec (JSON Schema): field and reason, never the input."""

from __future__ import annotations

import io
import json
from pathlib import Path

from stampli_nav_rules.spec_errors import spec_gate, spec_problems

SECRET = "Hunter2-Very-Secret"
SCHEMA = {
    "type": "object",
    "required": ["host", "auth"],
    "properties": {
        "host": {"type": "string", "minLength": 1},
        "port": {"type": "integer", "maximum": 65535},
        "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
        "auth": {
            "type": "object",
            "oneOf": [
                {
                    "properties": {"auth_type": {"const": "basic"}, "username": {"type": "string"}},
                    "required": ["auth_type", "username"],
                },
                {
                    "properties": {"auth_type": {"const": "token"}, "token": {"type": "string"}},
                    "required": ["auth_type", "token"],
                },
            ],
        },
    },
}
GOOD = {"host": "h", "auth": {"auth_type": "basic", "username": "u"}}


def test_a_valid_config_has_no_problem() -> None:
    assert spec_problems(GOOD, SCHEMA) is None


def test_unknown_auth_type_is_worded_from_the_schema() -> None:
    problems = spec_problems({**GOOD, "auth": {"auth_type": "ntlm", "password": SECRET}}, SCHEMA)
    assert problems == "auth: unknown auth_type value; expected one of 'basic', 'token'"


def test_the_chosen_kind_says_what_is_missing_or_wrong() -> None:
    problems = spec_problems({**GOOD, "auth": {"auth_type": "token", "password": SECRET, "token": [SECRET]}}, SCHEMA)
    assert problems == "auth.token: must be a string"
    assert spec_problems({**GOOD, "auth": {"auth_type": "token"}}, SCHEMA) == "auth: token is required"


def test_shapes_never_print_the_input() -> None:
    config = {"host": [SECRET], "port": SECRET, "mapping": {SECRET: [SECRET]}, "auth": SECRET}
    problems = spec_problems(config, SCHEMA)
    assert problems is not None and SECRET not in problems
    assert "host: must be a string" in problems and "port: must be an integer" in problems
    assert "mapping[<key>]: must be a string" in problems and "auth: must be an object" in problems
    assert spec_problems(SECRET, SCHEMA) == "config: must be an object"


def test_gate_answers_check_with_a_failed_status_and_other_commands_with_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**GOOD, "auth": {"auth_type": "ntlm", "password": SECRET}}))
    out = io.StringIO()
    assert spec_gate(["check", "--config", str(config)], lambda: SCHEMA, out) == 0
    status = json.loads(out.getvalue())["connectionStatus"]
    assert status["status"] == "FAILED" and status["message"].startswith("Config validation error: auth: unknown")
    out = io.StringIO()
    assert spec_gate(["read", "--config", str(config), "--catalog", "c.json"], lambda: SCHEMA, out) == 1
    error = json.loads(out.getvalue())["trace"]["error"]
    assert error["failure_type"] == "config_error" and SECRET not in out.getvalue()


def test_gate_lets_the_connector_go_on_otherwise(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(GOOD))
    out = io.StringIO()
    assert spec_gate(["check", "--config", str(config)], lambda: SCHEMA, out) is None
    assert spec_gate(["spec"], lambda: SCHEMA, out) is None
    assert spec_gate(["check", "--config", str(tmp_path / "missing.json")], lambda: SCHEMA, out) is None
    assert out.getvalue() == ""
