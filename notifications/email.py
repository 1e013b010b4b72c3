"""Email: text + HTML from templates, one-click unsubscribe headers, a content-derived
Message-ID (a re-send after a crash is recognisably the same message), sent over SMTP."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import ClassVar

from notifications.base import Target
from notifications.config import SmtpConfig
from notifications.render import render
from notifications.types import DeliveryResult, Message


def build(message: Message, to: str, sender: str, domain: str = "solesource.local"
          ) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = message.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{message.key}@{domain}>"
    if message.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(render(message, "digest.txt.j2"))
    msg.add_alternative(render(message, "digest.html.j2"), subtype="html")
    return msg


class EmailNotifier:
    channel: ClassVar[str] = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, message: Message, target: Target) -> DeliveryResult:
        masked = target.masked
        msg = build(message, target.address, self.config.sender)
        try:
            with self._connect() as smtp:
                if self.config.username and self.config.password:
                    smtp.login(self.config.username, self.config.password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return DeliveryResult(masked, False, retryable=400 <= code < 500, status=code,
                                  error=_text(text))
        except smtplib.SMTPResponseException as exc:
            return DeliveryResult(masked, False, retryable=400 <= exc.smtp_code < 500,
                                  status=exc.smtp_code, error=_text(exc.smtp_error))
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(masked, False, retryable=True,
                                  error=f"{type(exc).__name__}: {exc}")
        return DeliveryResult(masked, True, status=250, detail={"message_id": msg["Message-ID"]})

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "ssl":
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        if c.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
