"""Locate the shipped shims (git-hooks/, merge-driver/) in a wheel or a source checkout."""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`name` is "git-hooks" or "merge-driver"."""
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gitannot resource folder {name!r} not found next to {_PACKAGE_DIR}")


def hook_shim(hook_name: str) -> bytes:
    return (resource_dir("git-hooks") / hook_name).read_bytes()


def hook_client() -> bytes:
    """The stdlib-only hook client, copied next to each repository's server settings."""
    return (_PACKAGE_DIR / "hookservice" / "client.py").read_bytes()
