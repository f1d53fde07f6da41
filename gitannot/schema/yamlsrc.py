"""YAML loading that keeps line numbers, so config errors can name `file:line`."""

import re
from typing import Any

import yaml

from gitannot.errors import ConfigError


class LineDict(dict[str, Any]):
    """A mapping that remembers the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


MAX_YAML_BYTES = 4 * 1024 * 1024


class NoAliasLoader(yaml.SafeLoader):
    """SafeLoader without aliases: they let a few lines expand to gigabytes ("billion
    laughs") once walked or printed; rules and names files never need them, and they are
    read from pushed commits."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed here", event.start_mark
            )
        return super().compose_node(parent, index)


class _Loader(NoAliasLoader):
    """Mappings become LineDicts (string keys, lines kept)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be scalars", key_node.start_mark
            )
        skey = str(key)
        if skey in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {skey!r}", key_node.start_mark
            )
        out[skey] = loader.construct_object(value_node, deep=True)
        out.key_lines[skey] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlInt(int):
    """An int that remembers how it was written (`0001`, `0x10`) and on which line."""

    text: str = ""
    line: int = 0


class YamlFloat(float):
    """A float that remembers how it was written (`1.10` reads as 1.1) and its line."""

    text: str = ""
    line: int = 0


class _TypedLoader(_Loader):
    """YAML 1.2 booleans (only true/false: `yes`, `no`, `on`, `off` stay words) and
    numbers that keep their source text, so a string-meant place can tell `1.10` from
    `1.1` and say which line to quote. Used for the ontology."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TypedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TypedLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_int(loader: _TypedLoader, node: yaml.ScalarNode) -> YamlInt:
    out = YamlInt(loader.construct_yaml_int(node))
    out.text, out.line = str(node.value), node.start_mark.line + 1
    return out


def _construct_float(loader: _TypedLoader, node: yaml.ScalarNode) -> YamlFloat:
    out = YamlFloat(loader.construct_yaml_float(node))
    out.text, out.line = str(node.value), node.start_mark.line + 1
    return out


_TypedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_TypedLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(data: bytes, source: str, *, typed: bool = False) -> Any:
    """Parse YAML bytes; any syntax problem becomes a ConfigError naming `source:line`.
    `typed`: YAML 1.2 booleans and numbers that keep their text (YamlInt, YamlFloat)."""
    if len(data) > MAX_YAML_BYTES:
        raise ConfigError(f"{source}: {len(data)} bytes is over the {MAX_YAML_BYTES}-byte limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        return yaml.load(text, Loader=_TypedLoader if typed else _Loader)  # SafeLoaders
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{source}{line}: invalid YAML: {exc.problem or exc.context}",
            hint=f"fix the YAML syntax in {source}",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from exc


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
