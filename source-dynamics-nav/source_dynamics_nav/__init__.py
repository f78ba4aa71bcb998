"""source-dynamics-nav: NAV / Business Central vendors, G/L accounts and dimensions (plus read-only purchase
invoices and G/L entries for reconciliation) as Airbyte streams, with webhook subscription upkeep.

`SourceDynamicsNav` is imported lazily: the webhook receiver (`python -m source_dynamics_nav.webhook_receiver`)
lives in this package too and needs neither the Airbyte CDK nor its logging setup.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SourceDynamicsNav"]


def __getattr__(name: str) -> Any:
    if name == "SourceDynamicsNav":
        from source_dynamics_nav.source import SourceDynamicsNav

        return SourceDynamicsNav
    raise AttributeError(f"module 'source_dynamics_nav' has no attribute {name!r}")
