"""The webhook receiver: Business Central notifications in, debounced Airbyte sync requests out.

Run it with `webhook-receiver --help` (or `python -m webhook_receiver --help`). Its own package (not part of
source-dynamics-nav) because it is a separate, long-running HTTP service: it needs neither the Airbyte CDK nor
Business Central credentials, and does not belong in the connector's image.
"""

from webhook_receiver.airbyte_api import AirbyteSyncTrigger, TokenProvider, TriggerResult
from webhook_receiver.debounce import Debouncer
from webhook_receiver.server import WebhookReceiver

__all__ = ["AirbyteSyncTrigger", "Debouncer", "TokenProvider", "TriggerResult", "WebhookReceiver"]
