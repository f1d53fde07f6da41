"""SSHSIG against the reference implementation, ssh-keygen, in both directions."""

import base64
import hashlib
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
    # verified once first: the blob's layout is then known, and must not let the
    # namespace check be skipped
    sshsig.verify(sig, b"x", "gitannot-audit")
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


def _with_namespace_field(armored: str, namespace: bytes) -> str:
    """The same signature with its blob's namespace field rewritten (the signed bytes,
    computed over the original namespace, unchanged)."""
    blob = sshsig.unarmor(armored)
    (key_len,) = struct.unpack_from(">I", blob, 10)
    pos = 14 + key_len
    (length,) = struct.unpack_from(">I", blob, pos)
    field = struct.pack(">I", len(namespace)) + namespace
    return _rearmor(blob[:pos] + field + blob[pos + 4 + length :])


def _with_raw_signature(armored: str, raw: bytes) -> str:
    """The same blob with its 64-byte Ed25519 signature (R || s, at the end) replaced."""
    return _rearmor(sshsig.unarmor(armored)[:-64] + raw)


L = 2**252 + 27742317777372353535851937790883648493  # the order of the Ed25519 base point


def _sshsig_signed_data(namespace: str, message: bytes) -> bytes:
    """PROTOCOL.sshsig: what the Ed25519 signature covers (sha512, empty reserved)."""

    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    digest = hashlib.sha512(message).digest()
    return b"SSHSIG" + string(namespace.encode()) + string(b"") + string(b"sha512") + string(digest)


def _identity_r_signature(private: Ed25519PrivateKey, signed: bytes) -> bytes:
    """A signature whose R is the identity point (order 1): s = h*a makes the
    cofactorless equation [s]B = R + [h]A hold. Only the key's holder (who knows a)
    can make one; OpenSSH's verifier accepts it, libsodium refuses small-order R."""
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    scalar = int.from_bytes(hashlib.sha512(seed).digest()[:32], "little")
    scalar = (scalar & ((1 << 254) - 8)) | (1 << 254)  # clamped, as RFC 8032 derives it
    r = (1).to_bytes(32, "little")  # the identity point (0, 1)
    h = int.from_bytes(hashlib.sha512(r + public + signed).digest(), "little") % L
    return r + (h * scalar % L).to_bytes(32, "little")


def _s_plus_l(private: Ed25519PrivateKey) -> tuple[bytes, str]:
    """(message, armored signature) whose s is replaced by s + L: the same point [s]B,
    a non-canonical scalar. ssh-keygen only checks that s < 2^253, so pick a message
    whose s + L stays below that (about every other one)."""
    for seq in range(1, 100):
        data = E.canonical_bytes({"seq": seq, "type": "push"})
        good = sshsig.sign(private, data, E.NAMESPACE)
        raw = sshsig.unarmor(good)[-64:]
        s = int.from_bytes(raw[32:], "little")
        if s + L < 2**253:
            return data, _with_raw_signature(good, raw[:32] + (s + L).to_bytes(32, "little"))
    raise AssertionError("no signature with s + L < 2^253 in 99 tries")


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
        "signed over namespace git, blob says gitannot-audit": (
            _with_namespace_field(sshsig.sign(private, data, "git"), E.NAMESPACE.encode()),
            data, E.NAMESPACE, False),
        "truncated blob": (_rearmor(sshsig.unarmor(good)[:-10]), data, E.NAMESPACE, False),
        "truncated armor": (good[: len(good) // 2] + sshsig.END + "\n", data, E.NAMESPACE,
                            False),
    }  # fmt: skip
    for name, (sig, message, namespace, expected) in cases.items():
        theirs = _keygen_verify(signers, sig, message, namespace, tmp_path) == 0
        try:
            ours = sshsig.allowed(sshsig.verify(sig, message, namespace), allowed)
        except sshsig.SignatureError:
            ours = False
        assert (ours, theirs) == (expected, expected), name


def test_signatures_only_openssh_accepts_are_refused(
    key: tuple[Ed25519PrivateKey, Path, Path], tmp_path: Path
) -> None:
    """libsodium is stricter than OpenSSH's ref10 verifier (docs/audit.md): for these
    two, ssh-keygen says valid and gitannot says no (fail closed), and nothing else."""
    private, _, signers = key
    allowed = [signers.read_text()]
    plus_l_data, plus_l_sig = _s_plus_l(private)
    data = E.canonical_bytes({"seq": 8, "type": "push"})
    small_r = _identity_r_signature(private, _sshsig_signed_data(E.NAMESPACE, data))
    cases = {
        "s replaced by s + L": (plus_l_sig, plus_l_data),
        "R of small order (the identity)": (
            _with_raw_signature(sshsig.sign(private, data, E.NAMESPACE), small_r), data),
    }  # fmt: skip
    for name, (sig, message) in cases.items():
        assert _keygen_verify(signers, sig, message, E.NAMESPACE, tmp_path) == 0, name
        with pytest.raises(sshsig.SignatureError, match="does not match the signed bytes"):
            sshsig.verify(sig, message, E.NAMESPACE)
        # the key's own plain signature of the same bytes: accepted, so the verdict
        # above is about the altered signature alone
        plain = sshsig.sign(private, message, E.NAMESPACE)
        assert sshsig.allowed(sshsig.verify(plain, message, E.NAMESPACE), allowed), name


def test_one_function_verifies_ed25519_in_the_whole_package() -> None:
    """Audit entries, log commits, checkpoints and release envelopes all go through
    gitannot/audit/ed25519.py: no other module calls a library's verifier."""
    import gitannot

    root = Path(gitannot.__file__).parent
    verifiers = ("InvalidSignature", "crypto_sign_open", "Ed25519PublicKey.from_public_bytes",
                 "nacl.signing", "VerifyKey")  # fmt: skip
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(name in path.read_text() for name in verifiers)
    }
    assert found == {"audit/ed25519.py"}


def test_the_push_path_does_not_import_pynacl() -> None:
    """Hooks sign entries but never verify: every module a hook run may import
    (hookservice PRELOAD) loads without PyNaCl, which is imported on first verify."""
    import sys

    code = (
        "import sys\n"
        "from gitannot.hookservice import server\n"
        "for name in server.PRELOAD: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m == 'nacl' or m.startswith('nacl.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
