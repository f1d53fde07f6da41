"""YAML read and written back with its comments, key order and quoting (ruamel.yaml's
round-trip mode): for files people write by hand (the ontology, YOLO data.yaml) that a
command edits."""

import io
from typing import Any

from ruamel.yaml import YAML


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_roundtrip(data: bytes) -> Any:
    return _yaml().load(data.decode("utf-8-sig"))


def dump_roundtrip(doc: Any) -> bytes:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue().encode()
