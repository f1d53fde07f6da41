"""Delivery targets: a signed CloudEvents webhook, a Slack-style incoming webhook, mail.

Each raises DeliveryError on anything but success; the worker decides about retries.
"""

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from gitannot.errors import ConfigError
from gitannot.events import render, secrets, sign
from gitannot.events.config import Target
from gitannot.events.types import Event

TIMEOUT_SECONDS = 10.0


class DeliveryError(Exception):
    pass


@dataclass(frozen=True)
class Sent:
    status: int  # HTTP status; 250 for mail


def send(git_dir: Path, target: Target, event: Event) -> Sent:
    try:
        if target.kind == "webhook":
            return _webhook(git_dir, target, event)
        if target.kind == "slack":
            return _slack(git_dir, target, event)
        return _email(git_dir, target, event)
    except ConfigError as exc:
        raise DeliveryError(f"{exc.message} ({exc.hint})") from exc


def _url(git_dir: Path, target: Target) -> str:
    return secrets.resolve(git_dir, target.url_secret) if target.url_secret else target.url


def _webhook(git_dir: Path, target: Target, event: Event) -> Sent:
    body = json.dumps(event.cloudevent(), sort_keys=True).encode("utf-8")
    headers = {
        "Content-Type": sign.CONTENT_TYPE,
        sign.EVENT_HEADER: event.type,
        sign.DELIVERY_HEADER: event.id,
        "ce-specversion": "1.0",  # lets CloudEvents SDKs see the envelope mode
    }
    if target.secret:
        headers[sign.SIGNATURE_HEADER] = sign.signature(
            secrets.resolve(git_dir, target.secret), body
        )
    return _post(_url(git_dir, target), body, headers)


def _slack(git_dir: Path, target: Target, event: Event) -> Sent:
    body = json.dumps({"text": render.text(event)}).encode("utf-8")
    return _post(_url(git_dir, target), body, {"Content-Type": "application/json"})


def _post(url: str, body: bytes, headers: dict[str, str]) -> Sent:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return Sent(int(response.status))
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {_host(url)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"cannot reach {_host(url)}: {exc}") from exc


def _host(url: str) -> str:
    """Never log a whole URL: Slack puts its secret in the path."""
    return url.split("/")[2] if url.count("/") >= 2 else "?"


def _email(git_dir: Path, target: Target, event: Event) -> Sent:
    message = EmailMessage()
    message["Subject"] = f"[gitannot] {render.title(event)}"
    message["From"] = target.sender
    message["To"] = ", ".join(target.to)
    message["Message-ID"] = f"<{event.id}@gitannot>"
    message.set_content(
        render.text(event) + "\n\n" + json.dumps(event.cloudevent(), indent=2, sort_keys=True)
    )
    return send_mail(git_dir, target, message)


def send_mail(git_dir: Path, target: Target, message: EmailMessage) -> Sent:
    try:
        with smtplib.SMTP(target.smtp_host, target.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if target.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if target.smtp_user:
                password = secrets.resolve(git_dir, target.smtp_password_secret)
                smtp.login(target.smtp_user, password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {target.smtp_host}:{target.smtp_port}: {exc}") from exc
    return Sent(250)
