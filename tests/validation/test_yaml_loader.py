"""Issue 9 item 7: one hardened YAML loader (gitannot.core.yamlsafe) for every YAML file
gitannot reads, and every reader goes through it."""

import re
from pathlib import Path

import pytest

from gitannot.access.loader import PolicyError, parse_policy
from gitannot.core.yamlsafe import YamlError, YamlLimits, YamlMap, load_yaml
from gitannot.errors import ConfigError
from gitannot.formats import parse_file, read_names_file
from gitannot.project.config import load_project
from gitannot.schema.loader import load_ontology
from gitannot.settings.server import load_server_config

PACKAGE = Path(__file__).resolve().parents[2] / "gitannot"


def bomb(levels: int) -> str:
    """Nested aliases: `levels` levels of nine (9**levels strings once expanded)."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_aliases_and_anchors_are_refused_with_the_line() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: 1\nb: &x [1]\nc: *x\n", "f.yaml")
    assert (info.value.source, info.value.line) == ("f.yaml", 2)
    assert str(info.value) == "f.yaml:2: YAML anchors and aliases (&name, *name) are not allowed"
    with pytest.raises(YamlError, match=r"f.yaml:1: YAML anchors"):
        load_yaml(bomb(8), "f.yaml")


@pytest.mark.parametrize("lines", [True, False])
def test_duplicate_keys_are_errors_with_the_line(lines: bool) -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml", lines=lines)
    assert info.value.line == 4
    assert "duplicate key 'c'" in info.value.problem


def test_caps_on_size_depth_and_nodes() -> None:
    limits = YamlLimits(max_bytes=1000, max_depth=5, max_nodes=50)
    with pytest.raises(YamlError, match="1001 bytes is over the 1000-byte limit"):
        load_yaml(b"#" * 1001, "f.yaml", limits=limits)
    assert load_yaml("a: [[[1]]]\n", "f.yaml", limits=limits) == {"a": [[[1]]]}
    with pytest.raises(YamlError, match=r"f\.yaml:1: nested deeper than 5 levels"):
        load_yaml("a: [[[[[1]]]]]\n", "f.yaml", limits=limits)
    with pytest.raises(YamlError, match="more than 50 YAML nodes"):
        load_yaml("[" + ", ".join(["1"] * 60) + "]\n", "f.yaml", limits=limits)
    with pytest.raises(YamlError, match="nested deeper than 64 levels"):
        load_yaml("[" * 200 + "]" * 200, "f.yaml")  # the default cap


def test_unsafe_tags_and_extra_documents_are_refused() -> None:
    with pytest.raises(YamlError, match="could not determine a constructor"):
        load_yaml("a: !!python/object/apply:os.system [id]\n", "f.yaml")
    with pytest.raises(YamlError, match=r"f\.yaml:2:"):
        load_yaml("a: 1\n---\nb: 2\n", "f.yaml")


def test_mappings_keep_lines_or_plain_keys() -> None:
    doc = load_yaml("x: 1\nnames:\n  0: person\n", "f.yaml")
    assert isinstance(doc, YamlMap) and doc.key_lines == {"x": 1, "names": 2}
    assert doc["names"] == {"0": "person"}
    plain = load_yaml("names:\n  0: person\n", "f.yaml", lines=False)
    assert type(plain) is dict and plain == {"names": {0: "person"}}


def test_scalar_schemas() -> None:
    text = "v: 1.10\nok: yes\nflag: true\nn: 010\nd: 2024-01-01\nz: ~\n"
    assert load_yaml(text, "f", lines=False)["ok"] is True  # YAML 1.1, PyYAML's default
    core = load_yaml(text, "f", lines=False, schema="core")
    assert core == {"v": 1.1, "ok": "yes", "flag": True, "n": 10, "d": "2024-01-01", "z": None}
    strings = load_yaml(text, "f", lines=False, schema="strings")
    assert strings == {
        "v": "1.10", "ok": "yes", "flag": "true", "n": "010", "d": "2024-01-01", "z": "~"
    }  # fmt: skip


# Every reader of YAML refuses an alias bomb, naming the file and the line.
def test_policy_reader_uses_the_loader() -> None:
    text = "version: 1\n" + bomb(6) + "users: {alice: [admin]}\nrules: []\n"
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "configs/access.yaml")
    assert info.value.source == "configs/access.yaml:2"
    assert "anchors and aliases" in info.value.message


def test_project_and_ontology_readers_use_the_loader() -> None:
    with pytest.raises(ConfigError, match=r"configs/project.yaml:1: YAML anchors"):
        load_project(bomb(6).encode())
    with pytest.raises(ConfigError, match=r"schema/labels.yaml:3: invalid YAML: duplicate key"):
        load_ontology(b"version: 1\nlabels: []\nversion: 2\n")


def test_data_yaml_reader_uses_the_loader() -> None:
    assert read_names_file("data.yaml", b"names: &n [a, b]\n") == (None, None)
    pf = parse_file("labels/data.yaml", b"names: [a, b]\nnames: [c]\n", format="yolo-data")
    assert [(f.rule, f.message) for f in pf.findings] == [
        ("yolo-data.parse", "invalid YAML: duplicate key 'names' (line 2)")
    ]


def test_server_settings_reader_uses_the_loader(tmp_path: Path) -> None:
    (tmp_path / "gitannot").mkdir()
    (tmp_path / "gitannot" / "server.yaml").write_text("admins: &a [alice]\nx: *a\n")
    with pytest.raises(ConfigError, match=r"server.yaml:1: YAML anchors and aliases"):
        load_server_config(tmp_path)


def test_no_other_module_parses_yaml() -> None:
    """`import yaml` only in the loader (and settings/server.py, which only writes)."""
    importers = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(import yaml|from yaml\b)", p.read_text(), re.M)
    )
    assert importers == ["core/yamlsafe.py", "settings/server.py"]
    config = (PACKAGE / "settings" / "server.py").read_text()
    assert "yaml.safe_dump" in config and not re.search(r"yaml\.(safe_)?load", config)
