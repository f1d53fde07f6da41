"""Issue 20, ontology items: real pushes through the installed pre-receive hook.

Aliases are names too (moving or dropping one in use is a relabel), renames that keep
the old name as an alias keep every rule that names it, names files beside each other
must agree, a `parent:` alias resolves, `schema import` keeps multi-word CVAT values, and
the ontology's YAML is read with strings where strings are meant.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT, coco

MakeClient = Callable[[ServerRepo, str], Client]

STREET = """\
version: 1
labels:
  - {id: 1, name: person, geometry: [bbox, polygon]}
  - {id: 2, name: car, geometry: [bbox, polygon]}
  - {id: 3, name: bicycle, aliases: [bike]}
  - {id: 4, name: dog}
  - {id: 5, name: day}
  - {id: 6, name: night}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 1, changes: [first ontology]}
"""


def _bump(schema: str, old: str, new: str, version: str, change: str) -> str:
    """`schema` with `old` replaced by `new`, a new version and its changelog entry."""
    assert old in schema, old
    out = schema.replace(old, new)
    out = out.replace(f"version: {_prev(version)}\n", f"version: {version}\n", 1)
    return out + f"  - {{version: {version}, changes: [{change}]}}\n"


def _prev(version: str) -> str:
    return str(int(version) - 1)


def _scaffold(client: Client, schema: str, files: dict[str, str] | None = None) -> None:
    client.commit(
        {"schema/labels.yaml": schema, "configs/project.yaml": PROJECT, **(files or {})},
        "scaffold",
    )
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    """main holds STREET and one file annotated with the alias `bike`."""
    client = make_client(server, "alice")
    _scaffold(client, STREET, {"labels/coco/bikes.json": coco(["bike", "person"])})
    return client


# --- item 2: moving an alias (or a name) to another label is a relabel -----------------


def test_moving_an_alias_in_use_to_another_label_is_rejected(alice: Client) -> None:
    moved = _bump(
        STREET.replace("name: bicycle, aliases: [bike]}", "name: bicycle}"),
        "  - {id: 4, name: dog}",
        "  - {id: 4, name: dog, aliases: [bike]}",
        "2",
        "bike means dog now",
    )
    alice.commit({"schema/labels.yaml": moved})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.label-renamed-in-use] refs/heads/main" in result.output
    assert "name 'bike' moves from 'bicycle' (id 3) to 'dog' (id 4)" in result.output
    assert "labels/coco/bikes.json" in result.output


def test_moving_an_unused_alias_is_accepted(server: ServerRepo, make_client: MakeClient) -> None:
    """Nothing uses `bike`: moving it relabels no data."""
    client = make_client(server, "alice")
    _scaffold(client, STREET, {"labels/coco/a.json": coco(["bicycle"])})
    moved = _bump(
        STREET.replace("name: bicycle, aliases: [bike]}", "name: bicycle}"),
        "  - {id: 4, name: dog}",
        "  - {id: 4, name: dog, aliases: [bike]}",
        "2",
        "bike means dog now",
    )
    client.commit({"schema/labels.yaml": moved})
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def test_a_canonical_name_in_use_becoming_another_labels_alias_is_rejected(
    server: ServerRepo, make_client: MakeClient
) -> None:
    client = make_client(server, "alice")
    schema = STREET.replace("name: bicycle, aliases: [bike]}", "name: bike}")
    _scaffold(client, schema, {"labels/coco/a.json": coco(["bike"])})
    moved = _bump(
        schema.replace("name: bike}", "name: bicycle}"),
        "  - {id: 4, name: dog}",
        "  - {id: 4, name: dog, aliases: [bike]}",
        "2",
        "rename bike, and bike means dog",
    )
    client.commit({"schema/labels.yaml": moved})
    result = client.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.label-renamed-in-use]" in result.output
    assert "name 'bike' moves from 'bicycle' (id 3) to 'dog' (id 4)" in result.output


def test_reusing_an_id_while_its_label_lives_on_as_an_alias_is_rejected(alice: Client) -> None:
    """id 4 was dog; now id 4 is `cat` and dog is an alias of a new id 7: data keyed by id
    4 (COCO category ids of a trained model) silently means cat."""
    reused = _bump(
        STREET,
        "  - {id: 4, name: dog}",
        "  - {id: 4, name: cat}\n  - {id: 7, name: canine, aliases: [dog]}",
        "2",
        "cat takes id 4",
    )
    alice.commit({"schema/labels.yaml": reused})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.label-id-reused]" in result.output
    assert "id 4 was 'dog' and now names 'cat'" in result.output


# --- item 3: a rename that keeps the old name as an alias keeps exclusive groups -------


def test_renamed_label_kept_as_alias_still_counts_in_its_exclusive_group(alice: Client) -> None:
    renamed = _bump(
        STREET, "  - {id: 5, name: day}", "  - {id: 5, name: daytime, aliases: [day]}", "2", "day"
    )
    alice.commit({"schema/labels.yaml": renamed})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit({"labels/coco/tags.json": coco(["day", "night"])})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.exclusive-group] refs/heads/main" in result.output
    assert "carries day, night from exclusive group 'time-of-day'" in result.output
    # The old and the new name of one label are one label, not two of the group.
    alice.commit({"labels/coco/tags.json": coco(["day", "daytime"])})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


# --- item 4: removing an alias still in use ---------------------------------------------


def test_removing_an_alias_in_use_is_rejected(alice: Client) -> None:
    dropped = _bump(
        STREET, "name: bicycle, aliases: [bike]}", "name: bicycle}", "2", "drop the bike alias"
    )
    alice.commit({"schema/labels.yaml": dropped})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.label-removed-in-use] refs/heads/main" in result.output
    assert "alias 'bike' of 'bicycle' is removed" in result.output
    assert "labels/coco/bikes.json" in result.output
    assert "[schema.existing-files-invalid]" in result.output  # still told, as a warning
    # Migrating the file in the same push is the way to drop it.
    migration = "version: 2\nsteps:\n  - rename: {from: bike, to: bicycle}\n"
    alice.commit(
        {
            "labels/coco/bikes.json": coco(["bicycle", "person"]),
            "schema/migrations/0001.yaml": migration,
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


# --- item 9: names files beside each other must agree -----------------------------------


def test_classes_txt_beside_data_yaml_in_another_order_is_rejected(alice: Client) -> None:
    alice.commit(
        {
            "labels/yolo/data.yaml": "names: [person, car]\nnc: 2\n",
            "labels/yolo/classes.txt": "car\nperson\n",
            "labels/yolo/img1.txt": "0 0.5 0.5 0.2 0.2\n",
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.names-files-disagree] refs/heads/main" in result.output
    assert "labels/yolo/classes.txt" in result.output
    assert "labels/yolo/data.yaml" in result.output
    assert "0: 'person' / 'car'" in result.output
    alice.commit({"labels/yolo/classes.txt": "person\ncar\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    # Later editing only one of them is caught as well.
    alice.commit({"labels/yolo/obj.names": "person\ncar\ndog\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.names-files-disagree]" in result.output
    assert "labels/yolo/obj.names" in result.output


# --- item 11: `parent:` naming an alias --------------------------------------------------

PARENT_ALIAS = """\
version: 2
labels:
  - {id: 1, name: person, geometry: [bbox, polygon]}
  - {id: 2, name: car, parent: veh}
  - {id: 3, name: bicycle, aliases: [bike]}
  - {id: 4, name: dog}
  - {id: 5, name: day}
  - {id: 6, name: night}
  - id: 7
    name: vehicle
    aliases: [veh]
    abstract: true
    attributes: {make: {type: str, required: true}}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 1, changes: [first ontology]}
  - {version: 2, changes: [vehicles]}
"""


def test_parent_naming_an_alias_resolves_to_the_label(alice: Client) -> None:
    alice.commit({"schema/labels.yaml": PARENT_ALIAS})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "internal.error" not in result.output
    # car inherits vehicle's required attribute through the alias.
    alice.commit({"labels/coco/car.json": coco(["car"])})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "required attribute 'make' of label 'car' is missing" in result.output
    alice.commit({"labels/coco/car.json": coco(["car"], make="vw")})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def test_base_with_a_parent_alias_does_not_block_and_its_repair_is_accepted(
    alice: Client, server: ServerRepo
) -> None:
    alice.commit({"schema/labels.yaml": PARENT_ALIAS}, "parent alias")
    # Land it behind the hook's back, as history from before the fix would.
    server.git("fetch", str(alice.path), "HEAD:refs/heads/main", "--force")
    alice.commit({"labels/coco/b.json": coco(["car"], make="vw")})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    repaired = PARENT_ALIAS.replace("parent: veh}", "parent: vehicle}").replace(
        "version: 2\n", "version: 3\n", 1
    )
    alice.commit({"schema/labels.yaml": repaired + "  - {version: 3, changes: [parent]}\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


# --- item 14: `schema import` of CVAT select values with spaces ------------------------

CVAT = """\
<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels><label><name>car</name><type>rectangle</type><attributes>
    <attribute><name>state</name><mutable>False</mutable><input_type>select</input_type>
      <default_value>parked car</default_value>
      <values>parked car
moving car
unknown</values>
    </attribute>
  </attributes></label></labels></task></meta>
  <image id="0" name="a.jpg" width="100" height="100">
    <box label="car" xtl="10" ytl="10" xbr="30" ybr="30" occluded="0">
      <attribute name="state">moving car</attribute>
    </box>
  </image>
</annotations>
"""


def test_schema_import_keeps_multi_word_cvat_values_and_the_export_is_accepted(
    server: ServerRepo, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(server, "alice")
    client.write({"labels/cvat/task.xml": CVAT, "configs/project.yaml": PROJECT})
    monkeypatch.chdir(client.path)
    assert main(["schema", "import", "labels/cvat/task.xml"]) == 0
    schema = (Path(client.path) / "schema/labels.yaml").read_text()
    assert "values: [parked car, moving car, unknown]" in schema
    client.commit({}, "adopt the CVAT task")
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


# --- item 15: YAML 1.1 typing in the ontology --------------------------------------------


def test_version_that_yaml_reads_as_another_number_is_an_error_naming_the_line(
    alice: Client,
) -> None:
    schema = STREET.replace("version: 1\n", "version: 1.10\n") + (
        '  - {version: "1.10", changes: [ten]}\n'
    )
    alice.commit({"schema/labels.yaml": schema})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.invalid]" in result.output
    assert "schema/labels.yaml:1: version 1.10 is read by YAML as the number 1.1" in result.output
    assert 'quote it ("1.10")' in result.output
    alice.commit({"schema/labels.yaml": schema.replace("version: 1.10\n", 'version: "1.10"\n')})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def test_yes_no_enum_values_stay_words(alice: Client) -> None:
    schema = _bump(
        STREET,
        "  - {id: 2, name: car, geometry: [bbox, polygon]}",
        "  - id: 2\n    name: car\n    geometry: [bbox, polygon]\n"
        "    attributes:\n      parked: {type: enum, values: [yes, no, unknown]}",
        "2",
        "parked",
    )
    alice.commit({"schema/labels.yaml": schema, "labels/coco/c.json": coco(["car"], parked="yes")})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit({"labels/coco/c.json": coco(["car"], parked="True")})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "'True' is not one of yes, no, unknown" in result.output


def test_a_flag_that_is_neither_true_nor_false_is_an_error_naming_the_line(
    alice: Client,
) -> None:
    """`abstract: maybe` used to be read as true (any non-empty text), silently making
    dog unusable; yes/no keep the meaning YAML 1.1 gave them."""
    schema = _bump(
        STREET, "  - {id: 4, name: dog}", "  - {id: 4, name: dog, abstract: maybe}", "2", "d"
    )
    alice.commit({"schema/labels.yaml": schema})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.invalid]" in result.output
    assert "schema/labels.yaml:6: `abstract` must be true or false, not 'maybe'" in result.output
    alice.commit(
        {
            "schema/labels.yaml": schema.replace("abstract: maybe", "abstract: no"),
            "labels/coco/dog.json": coco(["dog"]),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def test_schema_import_over_an_existing_ontology_keeps_aliases_and_a_dotted_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-importing must not drop an alias (the next push would be an alias removal in
    use) nor turn version "1.10" into 1.1; a file naming the alias adds no second label."""
    from gitannot.schema.loader import load_ontology

    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema").mkdir()
    schema = STREET.replace("version: 1\n", 'version: "1.10"\n').replace(
        "{version: 1,", '{version: "1.10",'
    )
    (tmp_path / "schema/labels.yaml").write_text(schema)
    (tmp_path / "classes.txt").write_text("bike\ncat\n")
    assert main(["schema", "import", "classes.txt"]) == 0
    onto = load_ontology((tmp_path / "schema/labels.yaml").read_bytes())
    assert onto.version == "1.10"
    assert [c.version for c in onto.changelog] == ["1.10"]
    assert onto.by_name()["bicycle"].aliases == ("bike",)
    assert [lab.name for lab in onto.labels if lab.id > 6] == ["cat"]


def test_local_validate_reports_disagreeing_names_files(
    alice: Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gitannot validate` on the work tree says what the push would."""
    alice.write(
        {"labels/yolo/data.yaml": "names: [person, car]\n", "labels/yolo/obj.names": "car\n"}
    )
    monkeypatch.chdir(alice.path)
    assert main(["validate", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "ERROR [schema.names-files-disagree] labels/yolo/obj.names" in out
    assert "2 names / 1" in out
