"""Ed25519 signature verification: the one function every verifier in gitannot calls
(SSHSIG entries and log commits, checkpoints, release envelopes).

libsodium (through PyNaCl) rather than OpenSSL: it is about twice as fast, and `audit
verify` checks two signatures per entry. Its checks are stricter than OpenSSH's ref10
verifier, which `ssh-keygen -Y verify` uses: the same cofactorless equation
[s]B = R + [h]A, plus libsodium rejects a non-canonical s (s >= L), a small-order R, and
a non-canonical or small-order public key. So whatever this accepts, ssh-keygen
accepts; the few signatures ssh-keygen takes and this refuses (s + L in place of s; an
R of small order, which only the key's holder can produce) fail closed. Signing stays
with `cryptography` (sshsig.sign): libsodium's signatures are the same bytes.
"""

from collections.abc import Callable

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

_check: Callable[[bytes, bytes, bytes], bool] | None = None


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether `signature` (R || s, 64 bytes) is `public_key`'s (32 bytes) over `message`."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    check = _check if _check is not None else load()
    return check(public_key, signature, message)


def load() -> Callable[[bytes, bytes, bytes], bool]:
    """PyNaCl is imported on first use (the push path signs but never verifies, and
    every hook run would pay for the import), or here before forking workers."""
    global _check
    if _check is not None:
        return _check
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError

    def check(public_key: bytes, signature: bytes, message: bytes) -> bool:
        try:  # libsodium's detached verification, on signature || message
            crypto_sign_open(signature + message, public_key)
        except BadSignatureError:
            return False
        return True

    _check = check
    return check
