"""The SMTP sender: hands the outbox's messages to one mail server with ``smtplib``."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "resurface@localhost"
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout_seconds: float = 15.0


class SmtpMailer:
    """Sends through one SMTP server with the standard library's ``smtplib``."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as server:
            if s.starttls:
                server.starttls(context=ssl.create_default_context())
            if s.user:
                server.login(s.user, s.password)
            server.send_message(message)
