"""Issue 17: tool configs kept in configs/tools/ are checked on push against the ontology
(drift is an error showing the difference); `schema export --write` regenerates them."""

from collections.abc import Callable

import pytest

from gitannot.main import main
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT

MakeClient = Callable[[ServerRepo, str], Client]

V1 = """\
version: 1
labels:
  - {id: 1, name: person, geometry: [bbox]}
  - {id: 2, name: car, geometry: [bbox, polygon]}
changelog:
  - {version: 1, changes: [first]}
"""
V2 = (
    V1.replace("version: 1\n", "version: 2\n", 1).replace(
        "changelog:", "  - {id: 3, name: truck, geometry: [bbox]}\nchangelog:"
    )
    + "  - {version: 2, changes: [trucks]}\n"
)


@pytest.fixture
def synced(server: ServerRepo, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> Client:
    client = make_client(server, "alice")
    client.write({"schema/labels.yaml": V1, "configs/project.yaml": PROJECT})
    monkeypatch.chdir(client.path)
    assert main(["schema", "export", "--write"]) == 0
    client.commit({}, "ontology and its tool configs")
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def test_export_write_creates_every_tool_config(synced: Client) -> None:
    files = sorted(p.name for p in (synced.path / "configs/tools").iterdir())
    assert files == [
        "coco-categories.json",
        "cvat-labels.json",
        "data.yaml",
        "datumaro-categories.json",
        "labelstudio.xml",
    ]


def test_an_ontology_change_without_regenerating_is_refused(synced: Client) -> None:
    synced.commit({"schema/labels.yaml": V2}, "add truck, forget the tools")
    result = synced.push("HEAD:refs/heads/main")
    assert not result.accepted
    for path in ("configs/tools/labelstudio.xml", "configs/tools/cvat-labels.json"):
        assert "ERROR [schema.tool-config-drift] refs/heads/main" in result.output
        assert path in result.output
    # The difference is shown: the Label Studio config lacks the new label.
    assert '+    <Label value="truck" background="#ffe119" hotkey="3" />' in result.output


def test_regenerating_with_export_write_is_accepted(
    synced: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced.write({"schema/labels.yaml": V2})
    monkeypatch.chdir(synced.path)
    assert main(["schema", "export", "--write"]) == 0
    synced.commit({}, "add truck")
    result = synced.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert '"name": "truck"' in (synced.path / "configs/tools/cvat-labels.json").read_text()


def test_a_hand_edited_tool_config_is_refused(synced: Client) -> None:
    path = synced.path / "configs/tools/labelstudio.xml"
    edited = path.read_text().replace('value="car"', 'value="automobile"')
    synced.commit({"configs/tools/labelstudio.xml": edited}, "rename in the tool only")
    result = synced.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.tool-config-drift]" in result.output
    assert "configs/tools/labelstudio.xml" in result.output
    assert "automobile" in result.output
