"""SSHSIG against the reference implementation, ssh-keygen, in both directions."""

import base64
import struct
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


def _rearmor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([sshsig.BEGIN, *lines, sshsig.END]) + "\n"


def _flip_last_signature_byte(armored: str) -> str:
    blob = bytearray(sshsig.unarmor(armored))
    blob[-1] ^= 0x01  # the raw Ed25519 signature ends the blob
    return _rearmor(bytes(blob))


def _with_reserved(armored: str, reserved: bytes) -> str:
    """The same signature with a non-empty reserved field (ssh-keygen ignores it)."""
    blob = sshsig.unarmor(armored)
    pos = 10
    for _ in range(2):  # public key, namespace
        (length,) = struct.unpack_from(">I", blob, pos)
        pos += 4 + length
    (length,) = struct.unpack_from(">I", blob, pos)
    field = struct.pack(">I", len(reserved)) + reserved
    return _rearmor(blob[:pos] + field + blob[pos + 4 + length :])


def test_in_process_verifier_gives_ssh_keygen_s_verdict_on_each_case(
    key: tuple[Ed25519PrivateKey, Path, Path], tmp_path: Path
) -> None:
    """The verifier `audit verify` runs in-process against `ssh-keygen -Y verify` with
    an allowed-signers file: the same verdict on every case, real audit entries."""
    private, _, signers = key
    allowed = [signers.read_text()]
    stranger = Ed25519PrivateKey.generate()
    data = E.canonical_bytes({"seq": 7, "type": "push", "decision": "accepted", "v": 2})
    good = sshsig.sign(private, data, E.NAMESPACE)
    cases = {
        "valid": (good, data, E.NAMESPACE, True),
        "valid, sha256": (sshsig.sign(private, data, E.NAMESPACE, "sha256"), data, E.NAMESPACE,
                          True),
        "reserved field set": (_with_reserved(good, b"x"), data, E.NAMESPACE, True),
        "tampered message": (good, data.replace(b"accepted", b"rejected"), E.NAMESPACE, False),
        "tampered signature": (_flip_last_signature_byte(good), data, E.NAMESPACE, False),
        "wrong namespace": (sshsig.sign(private, data, "git"), data, E.NAMESPACE, False),
        "wrong key": (sshsig.sign(stranger, data, E.NAMESPACE), data, E.NAMESPACE, False),
    }  # fmt: skip
    for name, (sig, message, namespace, expected) in cases.items():
        theirs = _keygen_verify(signers, sig, message, namespace, tmp_path) == 0
        try:
            ours = sshsig.allowed(sshsig.verify(sig, message, namespace), allowed)
        except sshsig.SignatureError:
            ours = False
        assert (ours, theirs) == (expected, expected), name
