"""The one YAML loader for every YAML file gitannot reads (policy, project config,
ontology, YOLO data.yaml, server settings).

Much of that YAML arrives in pushed commits, so the loader is hardened against what a
push can carry: no anchors or aliases (a few hundred bytes of aliases expand to
gigabytes once walked), caps on size, nesting depth and node count (checked while
composing, before anything is built), duplicate keys are errors, and only the safe
tags. Every problem is a YamlError naming `file:line`.

libyaml's C parser is used when PyYAML has it (parsing is most of the cost); composing
runs in Python so the caps and the alias ban apply before any node is built.

`schema` picks how plain scalars are typed:
- "yaml11": PyYAML's safe schema (yes/no/on/off are booleans, 1.10 is a float);
- "core": the YAML 1.2 core schema (only true/false are booleans; no timestamps, no
  sexagesimal numbers, no merge keys);
- "strings": every plain scalar stays a string (the reader types values itself);
- "typed": the core schema, with numbers that remember how they were written and on
  which line (YamlInt, YamlFloat), so a place meant for text can tell `1.10` from `1.1`
  and name the line to quote (the ontology).
"""

import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node
from yaml.resolver import BaseResolver, Resolver

from gitannot.errors import ConfigError

Schema = Literal["yaml11", "core", "strings", "typed"]


@dataclass(frozen=True)
class YamlLimits:
    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 250_000


DEFAULT_LIMITS = YamlLimits()
MAX_YAML_BYTES = DEFAULT_LIMITS.max_bytes


class YamlError(ConfigError):
    """A YAML file gitannot cannot use; `line` is 1-based (0 when unknown)."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {problem}", hint=f"fix {where}")


class YamlMap(dict[str, Any]):
    """A mapping with string keys that remembers its own line and each key's (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class _Refused(Exception):
    """Raised while composing; carries the line of the offending node."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


class _Checked(Composer):
    """PyYAML's composer with the alias ban and the depth and node caps."""

    limits: YamlLimits = DEFAULT_LIMITS

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(line, "YAML anchors and aliases (&name, *name) are not allowed")
        self._nodes = getattr(self, "_nodes", 0) + 1
        if self._nodes > self.limits.max_nodes:
            raise _Refused(line, f"more than {self.limits.max_nodes} YAML nodes")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > self.limits.max_depth:
                raise _Refused(line, f"nested deeper than {self.limits.max_depth} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_plain(loader: SafeConstructor, node: MappingNode) -> dict[Any, Any]:
    """Keys as typed by the schema (a data.yaml's `names: {0: person}` has int keys)."""
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        _check_key(key, key_node, out)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _construct_lines(loader: SafeConstructor, node: MappingNode) -> YamlMap:
    """String keys, lines kept, so config errors can name `file:line`."""
    loader.flatten_mapping(node)
    out = YamlMap()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        _check_key(key, key_node, {})
        skey = str(key)
        _check_key(skey, key_node, out)
        out[skey] = loader.construct_object(value_node, deep=True)
        out.key_lines[skey] = key_node.start_mark.line + 1
    return out


def _construct_core_int(loader: SafeConstructor, node: Node) -> int:  # noqa: ARG001 — constructor signature
    """YAML 1.2 integers: `010` is ten (YAML 1.1 reads it as octal eight)."""
    value = str(node.value)
    if value.startswith(("0o", "0x")):
        return int(value[2:], 8 if value[1] == "o" else 16)
    return int(value)


class YamlInt(int):
    """An int that remembers how it was written (`0001`, `0x10`) and on which line."""

    text: str = ""
    line: int = 0


class YamlFloat(float):
    """A float that remembers how it was written (`1.10` reads as 1.1) and its line."""

    text: str = ""
    line: int = 0


def _construct_typed_int(loader: SafeConstructor, node: Node) -> YamlInt:
    out = YamlInt(_construct_core_int(loader, node))
    out.text, out.line = str(node.value), node.start_mark.line + 1
    return out


def _construct_typed_float(loader: SafeConstructor, node: Node) -> YamlFloat:
    out = YamlFloat(loader.construct_yaml_float(node))  # type: ignore[arg-type]
    out.text, out.line = str(node.value), node.start_mark.line + 1
    return out


def _check_key(key: object, node: Node, seen: dict[Any, Any]) -> None:
    if not isinstance(key, str | int | float | bool):
        raise ConstructorError(None, None, "mapping keys must be plain scalars", node.start_mark)
    if key in seen:
        raise ConstructorError(None, None, f"duplicate key {key!r}", node.start_mark)


class _CoreResolver(Resolver):
    """The YAML 1.2 core schema: `yes`, `on`, `1.10.2`, `2024-01-01` stay strings."""


_CoreResolver.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
):
    _CoreResolver.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first) or [""]
    )
_CoreResolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


class _StringsResolver(Resolver):
    """No implicit types: every plain scalar is a string."""


_StringsResolver.yaml_implicit_resolvers = {}

_RESOLVERS: dict[str, type[BaseResolver]] = {
    "yaml11": Resolver,
    "core": _CoreResolver,
    "strings": _StringsResolver,
    "typed": _CoreResolver,
}
_CParser: Any = getattr(yaml, "CParser", None) or getattr(
    getattr(yaml, "_yaml", None), "CParser", None
)


def _init_c(self: Any, stream: str) -> None:
    _CParser.__init__(self, stream)
    SafeConstructor.__init__(self)
    BaseResolver.__init__(self)
    _Checked.__init__(self)


def _init_py(self: Any, stream: str) -> None:  # pragma: no cover - PyYAML without libyaml
    yaml.reader.Reader.__init__(self, stream)
    yaml.scanner.Scanner.__init__(self)
    yaml.parser.Parser.__init__(self)
    SafeConstructor.__init__(self)
    BaseResolver.__init__(self)
    _Checked.__init__(self)


def _loader_class(schema: str, lines: bool) -> Any:
    """Our composer first in the MRO, so it replaces the C composer of CParser."""
    resolver: Any = _RESOLVERS[schema]
    if _CParser is not None:
        bases: tuple[type, ...] = (_Checked, _CParser, SafeConstructor, resolver)
        init = _init_c
    else:  # pragma: no cover
        parts = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser)
        bases, init = (_Checked, *parts, SafeConstructor, resolver), _init_py
    # A fresh class per (schema, lines): constructors are registered per class.
    loader: Any = type(f"Loader_{schema}_{int(lines)}", bases, {"__init__": init})
    loader.add_constructor(
        BaseResolver.DEFAULT_MAPPING_TAG, _construct_lines if lines else _construct_plain
    )
    if schema == "core":
        loader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)
    if schema == "typed":
        loader.add_constructor("tag:yaml.org,2002:int", _construct_typed_int)
        loader.add_constructor("tag:yaml.org,2002:float", _construct_typed_float)
    return loader


_LOADERS = {(s, lines): _loader_class(s, lines) for s in _RESOLVERS for lines in (True, False)}


def load_yaml(
    data: bytes | str,
    source: str,
    *,
    lines: bool = True,
    schema: Schema = "yaml11",
    limits: YamlLimits = DEFAULT_LIMITS,
) -> Any:
    """Parse one YAML document. `lines=True`: mappings are YamlMaps (string keys, lines
    kept); `lines=False`: plain dicts with keys as the schema types them. Any problem is
    a YamlError naming `source:line`."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise YamlError(source, 0, f"{size} bytes is over the {limits.max_bytes}-byte limit")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise YamlError(source, 0, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    else:
        text = data
    loader = _LOADERS[(schema, lines)](text)
    loader.limits = limits
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise YamlError(source, exc.line, exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(source, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(source, 0, f"invalid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth cap comes first
        raise YamlError(source, 0, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
