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

from importlib.metadata import entry_points

from notifications.base import Notifier, Target, mask, validate
from notifications.types import ConfigurationError, DeliveryResult, Item, Message

__all__ = ["ConfigurationError", "DeliveryResult", "Item", "Message", "Notifier", "Target",
           "builtin_notifiers", "load_notifiers", "mask", "validate"]


def builtin_notifiers() -> dict[str, type[Notifier]]:
    """The channels that ship with solesource, by name: email, slack, webhook.

    Imported when asked for, so ``import notifications`` stays light (no Jinja2, no SMTP).
    """
    from notifications.email import EmailNotifier
    from notifications.slack import SlackNotifier
    from notifications.webhook import WebhookNotifier

    return {"email": EmailNotifier, "slack": SlackNotifier, "webhook": WebhookNotifier}


def load_notifiers() -> dict[str, type[Notifier]]:
    """Every channel class by name: the built-in ones, then the plugins registered under the
    ``solesource.notifiers`` entry point group (a plugin may replace a built-in one)."""
    found = {ep.name: ep.load() for ep in entry_points(group="solesource.notifiers")}
    return builtin_notifiers() | found
