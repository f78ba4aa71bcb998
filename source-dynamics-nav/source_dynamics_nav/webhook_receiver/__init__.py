"""The webhook receiver: Business Central notifications in, debounced Airbyte sync requests out.

Run it with `python -m source_dynamics_nav.webhook_receiver --help`.
"""

from source_dynamics_nav.webhook_receiver.airbyte_api import AirbyteSyncTrigger, TokenProvider, TriggerResult
from source_dynamics_nav.webhook_receiver.debounce import Debouncer
from source_dynamics_nav.webhook_receiver.server import WebhookReceiver

__all__ = ["AirbyteSyncTrigger", "Debouncer", "TokenProvider", "TriggerResult", "WebhookReceiver"]
