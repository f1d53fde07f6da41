"""deploy/k8s renders (`kubectl kustomize`) and every object validates against the
Kubernetes schemas offline (kubernetes-validate, strict: unknown fields are errors); the
two custom resources against the subsets in schemas/crds.yaml. Then what the objects
must say to each other: names that resolve, one volume per shard, one shard per repo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from gitannot.server.provision import load_plan

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
CRDS: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "schemas" / "crds.yaml").read_text())
# The oldest Kubernetes minor still commonly run, and the newest the package knows.
VERSIONS = ("1.30.0", "1.37.0")
OVERLAYS = ("single", "sharded")


def render(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        # Debian's archive has no kubectl package to install it from; the manifests'
        # files are still validated one by one below (test_manifest_files_validate).
        pytest.skip("kubectl not installed (its kustomize renders deploy/k8s)")
    proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def validate(doc: dict[str, Any], version: str) -> None:
    if doc["kind"] in CRDS:
        jsonschema.validate(doc, CRDS[doc["kind"]])
    else:
        kubernetes_validate.validate(doc, version, strict=True)


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", VERSIONS)
def test_overlay_objects_validate(overlay: str, version: str) -> None:
    docs = render(K8S / "overlays" / overlay)
    kinds = sorted(d["kind"] for d in docs)
    assert {
        "StatefulSet",
        "Service",
        "Secret",
        "ConfigMap",
        "NetworkPolicy",
        "ServiceMonitor",
    } <= set(kinds)
    for doc in docs:
        validate(doc, version)


def test_argocd_application_validates() -> None:
    [app] = list(yaml.safe_load_all((K8S / "argocd" / "application.yaml").read_text()))
    validate(app, VERSIONS[-1])
    assert (K8S.parents[1] / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()


def test_a_bad_object_is_caught() -> None:
    """The validators do reject: an unknown field and a CRD field of the wrong type."""
    docs = render(K8S / "overlays" / "single")
    [sts] = by_kind(docs, "StatefulSet")
    sts["spec"]["template"]["spec"]["containers"][0]["resourcez"] = {}
    with pytest.raises(jsonschema.ValidationError, match="resourcez"):
        validate(sts, VERSIONS[-1])
    [monitor] = by_kind(docs, "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["interval"] = 30
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor, VERSIONS[-1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_references_resolve(overlay: str) -> None:
    docs = render(K8S / "overlays" / overlay)
    [sts] = by_kind(docs, "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    [container] = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] in {
        d["metadata"]["name"] for d in by_kind(docs, "ConfigMap")
    }
    assert volumes["keys"]["secret"]["secretName"] in {
        d["metadata"]["name"] for d in by_kind(docs, "Secret")
    }
    # Repositories on a volume per pod, never a shared one.
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["repositories"]
    assert "repositories" not in volumes
    assert container["resources"]["requests"] and container["resources"]["limits"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"][-1] in ("ready", "live")
    ports = {p["name"] for p in container["ports"]}
    services = by_kind(docs, "Service")
    assert sts["spec"]["serviceName"] in {s["metadata"]["name"] for s in services}
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    for service in services:
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    [monitor] = by_kind(docs, "ServiceMonitor")
    wanted = monitor["spec"]["selector"]["matchLabels"].items()
    scraped = [s for s in services if wanted <= s["metadata"].get("labels", {}).items()]
    assert scraped and all("metrics" in {p["name"] for p in s["spec"]["ports"]} for s in scraped)
    [policy] = by_kind(docs, "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()


def test_sharded_overlay_one_volume_per_shard_one_shard_per_repository(tmp_path: Path) -> None:
    docs = render(K8S / "overlays" / "sharded")
    [sts] = by_kind(docs, "StatefulSet")
    [config] = by_kind(docs, "ConfigMap")
    server_yaml = tmp_path / "server.yaml"
    server_yaml.write_text(config["data"]["server.yaml"])
    replicas = sts["spec"]["replicas"]
    repos: list[str] = []
    for ordinal in range(replicas):  # what each pod's provision would serve
        plan = load_plan(server_yaml, tmp_path, tmp_path, tmp_path, str(ordinal))
        assert plan.repositories, f"pod gitannot-{ordinal} would serve nothing"
        repos += [name for name, _ in plan.repositories]
    assert len(repos) == len(set(repos)), "a repository in two shards would have two writers"
    assert len(yaml.safe_load(config["data"]["server.yaml"])["shards"]) == replicas
    shard_services = {s["spec"]["selector"].get("statefulset.kubernetes.io/pod-name")
                      for s in by_kind(docs, "Service")}  # fmt: skip
    assert {f"gitannot-{n}" for n in range(replicas)} <= shard_services


def manifest_files() -> list[Path]:
    skip = {"kustomization.yaml", "server.yaml"}
    return sorted(p for p in K8S.rglob("*.yaml") if p.name not in skip)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_manifest_files_validate(path: Path) -> None:
    """Without kustomize too: every object file as written (selectors kustomize fills in
    are empty here, which the schemas allow)."""
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert docs, path
    for doc in docs:
        validate(doc, VERSIONS[-1])
