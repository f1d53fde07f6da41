"""Mail delivery to a real SMTP server on loopback (aiosmtpd), with SMTP login."""

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from gitannot.events import delivery
from gitannot.main import main
from tests.events.helpers import bootstrap, coco, set_secret
from tests.gitenv import Client, ServerRepo


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logins: list[str] = []

    async def handle_DATA(self, _server: object, _session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()

    def authenticate(
        _server: object, _session: Session, _envelope: Envelope, _mechanism: str, auth_data: object
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"mail-pass"
        if ok and isinstance(auth_data, LoginPassword):
            inbox.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,  # loopback only
    )
    controller.start()
    yield inbox, port
    controller.stop()


def test_email_target(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    set_secret(server, "smtp-pass", "mail-pass")
    config = (
        "targets:\n"
        "  - name: mail\n"
        "    kind: email\n"
        "    to: [leads@example.org]\n"
        "    from: gitannot@example.org\n"
        "    events: [push]\n"
        "    branches: [main]\n"
        f"    smtp: {{host: 127.0.0.1, port: {port}, user: bot, password_secret: smtp-pass}}\n"
    )
    alice = bootstrap(server, make_client, config)
    alice.commit({"labels/a.json": coco([(1, 1), (2, 2)])}, "two labels")
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.git("checkout", "-q", "-b", "side")
    alice.commit({"labels/b.json": coco([(1, 1)])}, "side branch")
    assert alice.push("HEAD:refs/heads/side").accepted  # not a wanted branch
    assert main(["events", "deliver", "--repo", str(server.path)]) == 0
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects == [
        "[gitannot] push to main by alice: +0 -0 ~0 annotations",
        "[gitannot] push to main by alice: +2 -0 ~0 annotations",
    ]
    assert inbox.logins == ["bot", "bot"]
    body = inbox.messages[1].get_payload()
    assert isinstance(body, str) and "added: cat: 1, dog: 1" in body
    skipped = [r for r in delivery.read_log(server.path) if r["status"] == "delivered"]
    assert [r["seq"] for r in skipped] == [1, 2]
    assert delivery.read_state(server.path, "mail").cursor == 3
