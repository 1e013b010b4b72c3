"""Deliver messages about justifications: email digests, Slack, signed webhooks.

A leaf package: it imports neither ``monitor`` nor ``extractors``.
"""

from notifications.base import Target, load_notifiers, mask, validate
from notifications.types import ConfigurationError, DeliveryResult, Item, Message

__all__ = ["ConfigurationError", "DeliveryResult", "Item", "Message", "Target",
           "load_notifiers", "mask", "validate"]
