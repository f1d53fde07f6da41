"""Secret scan: realistic token shapes and private keys are refused, real exports pass."""

import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gitannot.events.secretscan import scan
from tests.gitenv import Client, ServerRepo

RNG = random.Random(15)  # seeded: the same shapes every run
ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits


def chars(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def pem(kind: str) -> str:
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    elif kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())  # type: ignore[assignment]
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    elif kind == "openssh":
        key = ed25519.Ed25519PrivateKey.generate()  # type: ignore[assignment]
        fmt = serialization.PrivateFormat.OpenSSH
    else:
        key = ed25519.Ed25519PrivateKey.generate()  # type: ignore[assignment]
        fmt = serialization.PrivateFormat.PKCS8
    data = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    return data.decode()


TOKENS = {
    "AWS access key id": f"aws_access_key_id = AKIA{chars(16, UPPER_DIGITS)}",
    "AWS secret access key": f"aws_secret_access_key: {chars(40, ALNUM + '/+')}",
    "GitHub token": f"token ghp_{chars(36)}",
    "GitHub fine-grained token": f"github_pat_{chars(22)}_{chars(59)}",
    "GitLab token": f'"glpat-{chars(20)}"',
    "Slack token": f"SLACK=xoxb-{chars(11, string.digits)}-{chars(13, string.digits)}-{chars(24)}",
    "Slack webhook URL": "url: https://hooks.slack.com/services/T0"
    f"{chars(8, string.ascii_uppercase)}/B0{chars(8, string.ascii_uppercase)}/{chars(24)}",
    "Google API key": f"key=AIza{chars(35)}",
    "Stripe secret key": f"sk_live_{chars(24)}",
    "secret assignment": f'"api_key": "{chars(32)}"',
}


@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_token_shapes_found(kind: str) -> None:
    text = f"# config\nname: demo\n{TOKENS[kind]}\n"
    hits = scan(text.encode())
    assert [(h.kind, h.line) for h in hits] == [(kind, 3)]
    assert TOKENS[kind][-8:] not in hits[0].masked  # never echo the secret


@pytest.mark.parametrize("kind", ["rsa", "ec", "openssh", "pkcs8"])
def test_private_keys_found(kind: str) -> None:
    hits = scan(("notes\n" + pem(kind)).encode())
    assert [(h.kind, h.line) for h in hits] == [("private key", 2)]


@pytest.mark.parametrize(
    "text",
    [
        'password: "changeme"',  # short, a placeholder
        "token: ${GITANNOT_SECRET_CI}",  # a reference, not a value
        'secret = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',  # hex
        "api_key: your_api_key_goes_here_please",  # no digits, one case
        "-----BEGIN PUBLIC KEY-----",
        "access_key_path: /srv/keys/annotation_tool_key.pem",
    ],
)
def test_lookalikes_pass(text: str) -> None:
    assert scan(text.encode()) == []


def test_no_false_positive_on_real_exports(realdata: Path) -> None:
    files = [p for p in sorted(realdata.rglob("*")) if p.is_file()]
    assert len(files) > 300
    found = {str(p.relative_to(realdata)): scan(p.read_bytes()) for p in files}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_push_with_a_key_is_rejected_even_if_a_later_commit_removes_it(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"deploy/id_ed25519": pem("openssh")}, "oops")
    alice.commit({"deploy/id_ed25519": None}, "remove it again")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[secret.detected]" in result.output
    assert "deploy/id_ed25519" in result.output
    assert "looks like a private key" in result.output


def test_push_of_real_exports_is_not_flagged(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client], realdata: Path
) -> None:
    server.configure(hook_timeout_seconds=60)  # a big push on a loaded machine
    alice = make_client(server, "alice")
    files: dict[str, str | bytes | None] = {
        f"data/{p.relative_to(realdata)}": p.read_bytes()
        for p in sorted(realdata.rglob("*"))
        if p.is_file() and p.stat().st_size < 2_000_000
    }
    alice.commit(files, "real exports, outside label roots")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "secret." not in result.output
