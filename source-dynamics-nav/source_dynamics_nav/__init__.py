"""source-dynamics-nav: NAV / Business Central vendors, G/L accounts and dimensions (plus read-only purchase
invoices and G/L entries for reconciliation) as Airbyte streams, with webhook subscription upkeep.

`SourceDynamicsNav` is imported lazily (importing the package does not load the Airbyte CDK). The webhook
receiver that these subscriptions call is its own package: webhook-receiver/.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SourceDynamicsNav"]


def __getattr__(name: str) -> Any:
    if name == "SourceDynamicsNav":
        from source_dynamics_nav.source import SourceDynamicsNav

        return SourceDynamicsNav
    raise AttributeError(f"module 'source_dynamics_nav' has no attribute {name!r}")
