"""SSHSIG against the reference implementation, ssh-keygen, in both directions."""

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.audit import entry as E
from gitannot.audit import sshsig


@pytest.fixture
def key(tmp_path: Path) -> tuple[Ed25519PrivateKey, Path, Path]:
    private = Ed25519PrivateKey.generate()
    path = tmp_path / "key"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    signers = tmp_path / "allowed"
    signers.write_text(f"tester {sshsig.public_key_line(private.public_key())}\n")
    return private, path, signers


def test_signature_is_byte_identical_to_ssh_keygen(
    key: tuple[Ed25519PrivateKey, Path, Path], tmp_path: Path
) -> None:
    private, path, _ = key
    message = tmp_path / "msg"
    message.write_bytes(b'{"seq":1}\n')
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(path), "-n", "gitannot-audit", str(message)],
        check=True,
        capture_output=True,
    )
    theirs = Path(f"{message}.sig").read_text()
    assert sshsig.sign(private, b'{"seq":1}\n', "gitannot-audit") == theirs
    assert sshsig.verify(theirs, b'{"seq":1}\n', "gitannot-audit").public_key == (
        sshsig.public_key_line(private.public_key())
    )


def _keygen_verify(signers: Path, sig: str, data: bytes, namespace: str, tmp: Path) -> int:
    (tmp / "s.sig").write_text(sig)
    proc = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", "tester", "-n", namespace,
         "-s", str(tmp / "s.sig")],
        input=data, capture_output=True, check=False,
    )  # fmt: skip
    return proc.returncode


def test_ssh_keygen_accepts_ours_and_rejects_tampering(
    key: tuple[Ed25519PrivateKey, Path, Path], tmp_path: Path
) -> None:
    private, _, signers = key
    sig = sshsig.sign(private, b"payload\n", "gitannot-audit")
    assert _keygen_verify(signers, sig, b"payload\n", "gitannot-audit", tmp_path) == 0
    assert _keygen_verify(signers, sig, b"payload!\n", "gitannot-audit", tmp_path) != 0
    assert _keygen_verify(signers, sig, b"payload\n", "git", tmp_path) != 0


def test_fingerprint_matches_ssh_keygen(key: tuple[Ed25519PrivateKey, Path, Path]) -> None:
    private, path, _ = key
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert sshsig.fingerprint(sshsig.public_key_line(private.public_key())) == out.split()[1]


def test_verify_rejects_wrong_namespace_message_and_garbage(
    key: tuple[Ed25519PrivateKey, Path, Path],
) -> None:
    private, _, _ = key
    sig = sshsig.sign(private, b"x", "gitannot-audit")
    with pytest.raises(sshsig.SignatureError, match="namespace"):
        sshsig.verify(sig, b"x", "git")
    with pytest.raises(sshsig.SignatureError, match="does not match"):
        sshsig.verify(sig, b"y", "gitannot-audit")
    with pytest.raises(sshsig.SignatureError):
        sshsig.verify("-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n", b"x",
                      "gitannot-audit")  # fmt: skip


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(fields=st.dictionaries(st.text(), json_values, max_size=5), seq=st.integers(1, 10**9))
def test_entry_message_round_trip(fields: dict[str, object], seq: int) -> None:
    private = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
    entry = {**fields, "seq": seq, "type": "push"}
    data = E.canonical_bytes(entry)
    message = E.compose_message(data, sshsig.sign(private, data, E.NAMESPACE))
    parsed, signature = E.parse_message(message)
    assert parsed == data and E.decode(parsed) == entry
    sshsig.verify(signature, parsed, E.NAMESPACE)
    assert data.count(b"\n") == 1  # one line: an auditor can cut it out with sed
