"""The one config-error formatter: fields and reasons, never input values, whatever the shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from stampli_nav_rules import ConfigError, describe_validation_error

SECRET = "Hunter2-Very-Secret"


class _Basic(BaseModel):
    model_config = ConfigDict(extra="ignore")
    auth_type: Literal["basic"] = "basic"
    username: str
    password: SecretStr


class _Token(BaseModel):
    model_config = ConfigDict(extra="ignore")
    auth_type: Literal["token"] = "token"
    token: SecretStr


class HostileProbeConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str
    auth: Annotated[_Basic | _Token, Field(discriminator="auth_type")]
    mapping: dict[str, str] = Field(default_factory=dict)
    statuses: list[str] = Field(default_factory=list)
    either: int | list[int] = 0
    api_key: SecretStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _careless(cls, value: Any) -> Any:
        # A validator that quotes the whole input: the formatter must still not print a secret from it.
        if isinstance(value, dict) and value.get("explode"):
            raise ValueError(f"cannot use {value}")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"url must start with https://, got {value.strip()!r}")
        return value

    @field_validator("api_key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) < 30:
            raise ValueError(f"api_key is too short: {value!r}")  # careless: quotes a secret field's value
        return value


class StrictProbeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _message(model: type[BaseModel], config: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(config)
    return describe_validation_error(caught.value)


GOOD = {"url": "https://x", "auth": {"auth_type": "basic", "username": "u", "password": "p"}}

HOSTILE = [
    # an auth block of a type the model does not know, carrying a password
    (
        {**GOOD, "auth": {"auth_type": "ntlm", "username": "u", "password": SECRET}},
        "auth: unknown auth_type value; expected one of 'basic', 'token'",
    ),
    # the secret as the unknown type itself
    (
        {**GOOD, "auth": {"auth_type": SECRET, "password": SECRET}},
        "auth: unknown auth_type value; expected one of 'basic', 'token'",
    ),
    # no type at all
    ({**GOOD, "auth": {"password": SECRET}}, "auth: auth_type is missing"),
    # not a dict
    ({**GOOD, "auth": SECRET}, "auth: Input should be a valid dictionary"),
    ({**GOOD, "auth": [SECRET]}, "auth: Input should be a valid dictionary"),
    # a secret echoed by a validator's own message: a URL's password, padded so the message holds a stripped value
    ({**GOOD, "url": f"  ftp://user:{SECRET}@host  "}, "url: url must start with https://, got 'ftp://***@host'"),
    # a validator of a secret field quoting its value
    ({**GOOD, "api_key": SECRET}, "api_key: api_key is too short: '***'"),
    # a validator quoting the whole input: every secret in it is blanked, wherever it sits
    (
        {**GOOD, "explode": True, "auth": {"auth_type": "x", "password": SECRET}, "x": {"client_secret": [SECRET]}},
        "config: cannot use",
    ),
    # a secret as a mapping key, with a bad value
    ({**GOOD, "mapping": {SECRET: ["x"]}}, "mapping[<key>]: Input should be a valid string"),
    # nested lists
    ({**GOOD, "statuses": [[SECRET]]}, "statuses[0]: Input should be a valid string"),
    # a plain union: pydantic's generated member tags are dropped
    ({**GOOD, "either": SECRET}, "either: Input should be a valid integer"),
    ({**GOOD, "either": [SECRET]}, "either[0]: Input should be a valid integer"),
    # the whole config is not an object
    (SECRET, "config: Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("config", "expected"), HOSTILE)
def test_hostile_shapes_name_the_field_never_the_secret(config: Any, expected: str) -> None:
    message = _message(HostileProbeConfig, config)
    assert expected in message
    assert SECRET not in message
    assert SECRET.lower() not in message.lower()


def test_an_unknown_key_is_not_repeated_even_when_extra_keys_are_refused() -> None:
    message = _message(StrictProbeConfig, {"name": "n", SECRET: "x"})
    assert message.startswith("config[<key>]: has fields it does not accept")
    assert SECRET not in message


def test_a_validator_may_quote_what_it_refused_when_it_is_no_secret() -> None:
    assert "url: url must start with https://, got 'ftp://host/inbound'" in _message(
        HostileProbeConfig, {**GOOD, "url": "ftp://host/inbound"}
    )


def test_a_password_under_an_unknown_key_is_never_printed() -> None:
    message = _message(HostileProbeConfig, {"url": "http://no", "pasword": SECRET, "auth": {"auth_type": "basic"}})
    assert "url: url must start with https://" in message
    assert "auth.basic.username: Field required" in message
    assert SECRET not in message


def test_limit_counts_the_rest() -> None:
    message = describe_validation_error(
        pytest.raises(ValidationError, HostileProbeConfig.model_validate, {"statuses": [1, 2, 3]}).value, limit=2
    )
    assert message.endswith("; and 3 more")


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


class _BlockA(BaseModel):
    model_config = ConfigDict(extra="ignore")
    host: str


class _BlockB(BaseModel):
    model_config = ConfigDict(extra="ignore")
    token: SecretStr


def test_validate_blocks_parses_each_block_or_names_every_problem_of_all() -> None:
    from stampli_nav_rules import validate_blocks

    a, b = validate_blocks({"host": "h", "token": SECRET}, _BlockA, _BlockB)
    assert a.host == "h" and b.token.get_secret_value() == SECRET
    with pytest.raises(ConfigError) as caught:
        validate_blocks({"host": [SECRET], "token": [SECRET]}, _BlockA, _BlockB, prefix="Invalid configuration")
    message = str(caught.value)
    assert message.startswith("Invalid configuration: host: Input should be a valid string; token: ")
    assert SECRET not in message
