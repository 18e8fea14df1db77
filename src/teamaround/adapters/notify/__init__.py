"""Ways an alert leaves TeamAround besides the inbox: chosen by settings, never carrying content.

A notification says only that an alert of some kind and priority waits in the inbox; the
details stay behind sign-in, because email and webhooks are not need-to-know channels.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import asdict, dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notification:
    id: str  # the outbox id: receivers deduplicate on it
    alert_id: str
    recipient_id: str
    kind: str
    priority: str


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


class NullNotifier:
    """Delivers nowhere: the inbox is enough (development, tests)."""

    def send(self, notification: Notification) -> None:
        return None


class ConsoleNotifier:
    """Logs that a notification went out, with ids only."""

    def send(self, notification: Notification) -> None:
        logger.info(
            "notify %s: %s %s alert %s",
            notification.recipient_id,
            notification.priority,
            notification.kind,
            notification.alert_id,
        )


class WebhookNotifier:
    """POSTs the notification as JSON with an Idempotency-Key header of its id."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        if not url.startswith(("https://", "http://127.", "http://localhost")):
            raise ValueError("a webhook must be https (or loopback for testing)")
        self.url = url
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url,
            data=json.dumps(asdict(notification)).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": notification.id},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")


def make_notifier(kind: str, webhook_url: str | None = None) -> Notifier:
    if kind == "webhook":
        if not webhook_url:
            raise ValueError("TEAMAROUND_WEBHOOK_URL is needed for the webhook notifier")
        return WebhookNotifier(webhook_url)
    if kind == "console":
        return ConsoleNotifier()
    if kind == "null":
        return NullNotifier()
    raise ValueError(f"unknown notifier {kind!r}: null, console or webhook")
