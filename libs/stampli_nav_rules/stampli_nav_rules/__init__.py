"""stampli_nav_rules: the rules every stampli-nav package must apply the same way, defined once.

- `correspondence`: how a Stampli code, vendor field or status corresponds to NAV's (code normalisation, the
  `gl_account_mapping` / `vendor_number_mapping` lookups, the vendor field map with NAV's field lengths, the
  statuses that mean "inactive").
- `config_errors`: `ConfigError` and the one formatter that turns a pydantic `ValidationError` into a message
  naming fields and reasons, never input values.
- `spec_errors`: the same for a config checked against a connector's spec (JSON Schema), and `spec_gate`, which
  answers an Airbyte command with it before the CDK's own check (whose message quotes the input) can.

The event schema and audit action names live in `stampli_nav_events`, not here.
"""

from stampli_nav_rules.config_errors import ConfigError, describe_validation_error, validate_blocks
from stampli_nav_rules.correspondence import (
    GL_ACCOUNT_NAME_LENGTH,
    INACTIVE_STATUSES,
    VENDOR_FIELDS,
    VendorField,
    clean_mapping,
    is_inactive_status,
    nav_account_number,
    nav_code,
    nav_length,
    nav_vendor_number,
)
from stampli_nav_rules.spec_errors import spec_gate, spec_problems

__all__ = [
    "GL_ACCOUNT_NAME_LENGTH",
    "INACTIVE_STATUSES",
    "VENDOR_FIELDS",
    "ConfigError",
    "VendorField",
    "clean_mapping",
    "describe_validation_error",
    "is_inactive_status",
    "nav_account_number",
    "nav_code",
    "nav_length",
    "nav_vendor_number",
    "spec_gate",
    "spec_problems",
    "validate_blocks",
]
