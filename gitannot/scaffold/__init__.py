"""`gitannot init`: lay out an annotation repository from the shipped templates."""

from importlib import resources
from pathlib import Path

TEMPLATE_PACKAGE = "gitannot.scaffold"
# Template names cannot start with a dot (packaging drops some dotfiles).
_DOT_PREFIX = "dot-"


def template_files() -> dict[str, bytes]:
    """Relative path in the new repository -> content."""
    root = resources.files(TEMPLATE_PACKAGE).joinpath("templates")
    out: dict[str, bytes] = {}
    _collect(root, "", out)
    return out


def _collect(node: resources.abc.Traversable, prefix: str, out: dict[str, bytes]) -> None:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = child.name
        if name == "__pycache__":
            continue
        if name.startswith(_DOT_PREFIX):
            name = "." + name[len(_DOT_PREFIX) :]
        rel = f"{prefix}{name}"
        if child.is_dir():
            _collect(child, rel + "/", out)
        else:
            out[rel] = child.read_bytes()


def scaffold(directory: Path) -> tuple[list[str], list[str]]:
    """Write missing template files; never overwrite. Returns (created, kept)."""
    created, kept = [], []
    for rel, content in template_files().items():
        target = directory / rel
        if target.exists():
            kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        created.append(rel)
    return created, kept
