"""Who is told what, and telling them: subscriptions, matching, the outbox, delivery, and
the channels (email digests, Slack, signed webhooks).

- ``subscriptions``: subscribers and their filters in the private database; TOML import;
  signed unsubscribe links.
- ``matching``: pure — does a notice row match a subscription's filters, and why.
- ``outbox``: new notice versions matched against subscriptions, into the outbox.
- ``delivery``: the outbox worked — batch, send, record, retry, dead-letter.
- ``email``, ``slack``, ``webhook``: the channels, behind ``base.Notifier``.

It never imports ``monitor``: each stage takes the databases (``storage.Databases``) and the
configuration (``config.DeliveryConfig``) from its caller, and reads documents' facts only
through ``extractors``' public API.
"""

from notifications.base import Target, load_notifiers, mask, validate
from notifications.types import ConfigurationError, DeliveryResult, Item, Message

__all__ = ["ConfigurationError", "DeliveryResult", "Item", "Message", "Target",
           "load_notifiers", "mask", "validate"]
