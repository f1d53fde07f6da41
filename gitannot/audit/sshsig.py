"""OpenSSH SSHSIG signatures (PROTOCOL.sshsig), byte-compatible with `ssh-keygen -Y`.

Pure: no I/O. Only Ed25519 keys are produced; verification accepts Ed25519 only too,
since that is the only key type the audit log uses.
"""

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gitannot.audit import ed25519

MAGIC = b"SSHSIG"
VERSION = 1
KEY_TYPE = b"ssh-ed25519"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
_BEGIN_LINE = BEGIN.encode() + b"\n"
_END_LINE = END.encode() + b"\n"
# The tail of every Ed25519 SSHSIG blob: string(string("ssh-ed25519") || string(R || s)).
_SIG_HEAD = struct.pack(">I", 4 + len(KEY_TYPE) + 4 + 64) + struct.pack(">I", len(KEY_TYPE))
_SIG_HEAD += KEY_TYPE + struct.pack(">I", 64)
_SIG_TAIL = len(_SIG_HEAD) + 64
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


class SignatureError(Exception):
    """A signature is malformed or does not verify; the message says which."""


@dataclass(frozen=True)
class Verified:
    public_key: str  # "ssh-ed25519 AAAA..."
    fingerprint: str  # "SHA256:..." as ssh-keygen prints it


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(buf: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(buf):
        raise SignatureError("truncated SSHSIG blob")
    (length,) = struct.unpack_from(">I", buf, pos)
    end = pos + 4 + length
    if end > len(buf):
        raise SignatureError("truncated SSHSIG blob")
    return buf[pos + 4 : end], end


def public_key_blob(key: Ed25519PublicKey) -> bytes:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _raw_key_blob(raw)


def _raw_key_blob(raw: bytes) -> bytes:
    return _string(KEY_TYPE) + _string(raw)


def public_key_line(key: Ed25519PublicKey) -> str:
    """The OpenSSH one-line form, without comment."""
    return _key_line(public_key_blob(key))


def _key_line(blob: bytes) -> str:
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def fingerprint(key_line_or_blob: str | bytes) -> str:
    """SHA256 fingerprint exactly as `ssh-keygen -l` prints it."""
    blob = key_line_or_blob
    if isinstance(blob, str):
        blob = base64.b64decode(blob.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def _key_from_blob(blob: bytes) -> bytes:
    """The raw 32-byte Ed25519 key of an SSH public key blob."""
    kind, pos = _read_string(blob, 0)
    raw, _ = _read_string(blob, pos)
    if kind != KEY_TYPE or len(raw) != 32:
        raise SignatureError(f"unsupported key type {kind.decode(errors='replace')!r}")
    return raw


def _signed_data(namespace: str, hash_alg: str, message: bytes) -> bytes:
    digest = _HASHES[hash_alg](message).digest()
    prefix = _PREFIXES.get((namespace, hash_alg))
    if prefix is None:
        prefix = MAGIC + _string(namespace.encode()) + _string(b"") + _string(hash_alg.encode())
        if len(_PREFIXES) < 16:
            _PREFIXES[(namespace, hash_alg)] = prefix
    return prefix + _string(digest)


_PREFIXES: dict[tuple[str, str], bytes] = {}  # verify checks thousands in two namespaces


def sign(key: Ed25519PrivateKey, message: bytes, namespace: str, hash_alg: str = "sha512") -> str:
    """Armored signature, the same bytes `ssh-keygen -Y sign -n NAMESPACE` writes."""
    raw_sig = key.sign(_signed_data(namespace, hash_alg, message))
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + _string(public_key_blob(key.public_key()))
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(_string(KEY_TYPE) + _string(raw_sig))
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


def unarmor(armored: str | bytes) -> bytes:
    if isinstance(armored, bytes):
        plain = _unarmor_plain(armored)
        if plain is not None:
            return plain
        armored = armored.decode()  # UnicodeDecodeError: the caller reports it
    text = armored.strip()
    if not (text.startswith(BEGIN) and text.endswith(END)) or len(text) < len(BEGIN + END):
        raise SignatureError("not an SSH SIGNATURE armor block")
    try:  # ssh-keygen skips whitespace inside the armor, so does this
        body = "".join(text[len(BEGIN) : -len(END)].split())
        # strict_mode: what b64decode(validate=True) checks, without its regex pass
        return binascii.a2b_base64(body, strict_mode=True)
    except ValueError as exc:
        raise SignatureError(f"bad base64 in signature: {exc}") from exc


def _unarmor_plain(armored: bytes) -> bytes | None:
    """The armor as ssh-keygen and gitannot write it (BEGIN line, base64 lines, END
    line), decoded without the general path's text handling; None for any other shape,
    which the general path then reads (same result where both apply)."""
    if not (armored.startswith(_BEGIN_LINE) and armored.endswith(_END_LINE)):
        return None
    body = armored[len(_BEGIN_LINE) : -len(_END_LINE)]
    try:
        return binascii.a2b_base64(body.replace(b"\n", b""), strict_mode=True)
    except ValueError:
        return None


def verify(armored: str | bytes, message: bytes, namespace: str) -> Verified:
    """Check the signature over `message` in `namespace`; return the signing key.

    What `ssh-keygen -Y verify` checks (PROTOCOL.sshsig): the magic, version 1, the
    namespace, then the Ed25519 signature over "SSHSIG" || namespace || reserved ||
    hash algorithm || H(message). The caller decides whether that key is trusted
    (`allowed`, or compare `Verified.public_key`). `armored` may be bytes (a raw
    commit's gpgsig header); bytes that are not UTF-8 raise UnicodeDecodeError.
    """
    blob = unarmor(armored)
    # A log repeats one blob layout (key, namespace, hash) thousands of times: a blob
    # whose bytes before the signature equal those of a blob fully parsed before, and
    # whose signature field has the Ed25519 shape, parses the same way.
    known = _HEADS.get(blob[:-_SIG_TAIL])
    if known is not None and known[0] == namespace and blob[-_SIG_TAIL:-64] == _SIG_HEAD:
        _namespace, alg, raw_key, verified = known
        raw_sig = blob[-64:]
    else:
        alg, raw_key, raw_sig, verified = _parse(blob, namespace)
    # like ssh-keygen: the reserved field is read and ignored, signed as empty
    if not ed25519.verify(raw_key, raw_sig, _signed_data(namespace, alg, message)):
        raise SignatureError("signature does not match the signed bytes")
    return verified


def _parse(blob: bytes, namespace: str) -> tuple[str, bytes, bytes, Verified]:
    """(hash algorithm, raw key, raw signature, signer) of an SSHSIG blob, every field
    checked; a blob of the usual Ed25519 shape is remembered for `verify`."""
    if blob[:6] != MAGIC or len(blob) < 10:
        raise SignatureError("missing SSHSIG magic")
    (version,) = struct.unpack_from(">I", blob, 6)
    if version != VERSION:
        raise SignatureError(f"unsupported SSHSIG version {version}")
    pub_blob, pos = _read_string(blob, 10)
    ns, pos = _read_string(blob, pos)
    _reserved, pos = _read_string(blob, pos)
    hash_alg, pos = _read_string(blob, pos)
    sig_at = pos
    sig_blob, _ = _read_string(blob, pos)
    if ns != namespace.encode():
        raise SignatureError(
            f"signature namespace is {ns.decode(errors='replace')!r}, expected {namespace!r}"
        )
    alg = hash_alg.decode(errors="replace")
    if alg not in _HASHES:
        raise SignatureError(f"unsupported hash algorithm {alg!r}")
    sig_type, spos = _read_string(sig_blob, 0)
    raw_sig, _ = _read_string(sig_blob, spos)
    if sig_type != KEY_TYPE:
        raise SignatureError(f"unsupported signature type {sig_type.decode(errors='replace')!r}")
    raw_key, verified = _known_key(pub_blob)
    if len(blob) - sig_at == _SIG_TAIL and blob[sig_at:-64] == _SIG_HEAD and len(_HEADS) < 64:
        _HEADS[blob[:sig_at]] = (namespace, alg, raw_key, verified)
    return alg, raw_key, raw_sig, verified


def allowed(verified: Verified, allowed_keys: list[str]) -> bool:
    """Whether the signer is one of `allowed_keys` ("ssh-ed25519 AAAA..." lines, comments
    and options ignored), as an allowed-signers file lists them."""
    mine = verified.public_key.split()[1]
    for line in allowed_keys:
        words = line.split()
        if "ssh-ed25519" in words[:-1] and words[words.index("ssh-ed25519") + 1] == mine:
            return True
    return False


_KEYS: dict[bytes, tuple[bytes, Verified]] = {}
# blob up to its signature field -> (namespace, hash algorithm, raw key, signer)
_HEADS: dict[bytes, tuple[str, str, bytes, Verified]] = {}


def _known_key(pub_blob: bytes) -> tuple[bytes, Verified]:
    """A log is signed by one key or a few: parse each once, not once per entry."""
    found = _KEYS.get(pub_blob)
    if found is None:
        raw = _key_from_blob(pub_blob)
        line = _key_line(_raw_key_blob(raw))
        found = raw, Verified(public_key=line, fingerprint=fingerprint(pub_blob))
        if len(_KEYS) < 64:
            _KEYS[pub_blob] = found
    return found
