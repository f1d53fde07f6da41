"""The documented examples work: the config loads, the CI dispatch receiver verifies the
signature and dispatches a retrain, the Argo sensor filters on the real event type."""

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from gitannot.events import types as T
from gitannot.events.config import load_automation
from gitannot.main import main
from tests.events.helpers import bootstrap, coco, set_secret
from tests.events.receiver import Receiver
from tests.gitenv import Client, ServerRepo

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "retrain_receiver", EXAMPLES / "retrain_dispatch_receiver.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_config_loads() -> None:
    config = load_automation((EXAMPLES / "automation.yaml").read_bytes())
    assert [t.name for t in config.targets] == ["ci", "team-chat", "leads"]
    assert config.retrain.every_annotations == 5000


def test_argo_sensor_filters_on_the_retrain_type() -> None:
    sensor = yaml.safe_load((EXAMPLES / "argo-events" / "sensor.yaml").read_text())
    source = yaml.safe_load((EXAMPLES / "argo-events" / "eventsource.yaml").read_text())
    wanted = sensor["spec"]["dependencies"][0]["filters"]["data"][0]
    assert (wanted["path"], wanted["value"]) == ("body.type", [T.RETRAIN])
    assert source["spec"]["webhook"]["gitannot"]["method"] == "POST"


def test_dispatch_receiver_turns_retrain_into_a_ci_dispatch(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ci_api = Receiver("", signed=False).start()
    example = load_example()
    bridge = example.serve(0)
    threading.Thread(target=bridge.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("GITANNOT_WEBHOOK_SECRET", "bridge-key")
        monkeypatch.setenv("DISPATCH_URL", ci_api.url)
        monkeypatch.setenv("DISPATCH_TOKEN", "ci-token")
        set_secret(server, "bridge", "bridge-key")
        url = f"http://127.0.0.1:{bridge.server_address[1]}/"
        config = (
            f'targets:\n  - {{name: ci, kind: webhook, url: "{url}", secret: bridge}}\n'
            "retrain: {every_annotations: 2}\n"
        )
        alice = bootstrap(server, make_client, config)
        alice.commit({"labels/a.json": coco([(1, 1), (2, 2)])})
        assert alice.push("HEAD:refs/heads/main").accepted
        assert main(["events", "deliver", "--repo", str(server.path)]) == 0
        assert len(ci_api.got) == 1  # only the retrain request is dispatched
        call = ci_api.got[0].event
        assert call["event_type"] == "gitannot-retrain"
        assert call["client_payload"]["reason"] == "annotations"
        assert ci_api.got[0].headers["Authorization"] == "Bearer ci-token"
        # a wrong key is refused by the example, so gitannot keeps retrying
        set_secret(server, "bridge", "wrong")
        assert main(["events", "test", "--repo", str(server.path)]) == 1
    finally:
        bridge.shutdown()
        bridge.server_close()
        ci_api.stop()
