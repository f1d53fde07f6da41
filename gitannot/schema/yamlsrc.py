"""YAML loading that keeps line numbers, so config errors can name `file:line`."""

from collections.abc import Iterable, Mapping
from typing import Any

from gitannot.core.yamlsafe import MAX_YAML_BYTES, Schema, YamlFloat, YamlInt, YamlMap
from gitannot.core.yamlsafe import load_yaml as _load
from gitannot.errors import ConfigError

# A mapping that remembers the 1-based line of itself and of each key.
LineDict = YamlMap

__all__ = [
    "MAX_YAML_BYTES",
    "LineDict",
    "YamlFloat",
    "YamlInt",
    "line_of",
    "load_yaml",
    "only_keys",
    "where",
]


def load_yaml(data: bytes, source: str, *, schema: Schema = "yaml11", typed: bool = False) -> Any:
    """Parse YAML bytes with gitannot's one hardened loader (gitannot.core.yamlsafe: no
    aliases, size/depth/node caps, duplicate keys refused); any problem is a ConfigError
    naming `source:line`. `typed`: YAML 1.2 booleans and numbers that keep their text
    (YamlInt, YamlFloat), for the ontology."""
    return _load(data, source, schema="typed" if typed else schema)


def line_of(node: object, key: str | None = None) -> int:
    """Best-known line of a mapping (or of one of its keys); 0 when unknown."""
    if not isinstance(node, LineDict):
        return 0
    if key is not None and key in node.key_lines:
        return node.key_lines[key]
    return node.line


def where(source: str, node: object, key: str | None = None) -> str:
    line = line_of(node, key)
    return f"{source}:{line}" if line else source


def only_keys(node: Mapping[str, Any], allowed: Iterable[str], source: str) -> None:
    """Refuse the first key of a config mapping that is not `allowed`, naming its line."""
    known = set(allowed)
    for key in node:
        if key not in known:
            raise ConfigError(
                f"{where(source, node, key)}: unknown key {key!r}",
                f"allowed keys: {', '.join(sorted(known))}",
            )
