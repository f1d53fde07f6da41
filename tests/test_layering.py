"""Imports point one way: a package may import only packages of lower layers.

The table is the design (docs/architecture.md, "Layering"); a new package must be placed
in it, and an import that points up or sideways fails here with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gitannot"

# Bottom first. Packages in one layer must not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("constants",),
    ("errors", "resources", "metrics"),  # metrics: hook-side probe and spool, stdlib only
    ("core",),  # pure values and checks: no subprocess, no repository
    ("formats", "settings"),  # format readers; server-side settings and keys
    ("schema", "gitio"),  # the ontology; git through pygit2 and `git`
    ("project", "push"),  # the project config; the push context every check reads
    ("access", "merge", "audit"),
    ("validation", "history"),  # lints a pushed policy; annotation-level diff and blame
    ("events",),  # outbox, delivery, secret scan, drift: reads labels, writes audit entries
    ("workflow",),  # tasks, review records, approval gates, QA: reads the audit log
    ("release",),  # release gates run validation; the hook runs the gates
    ("oversight",),  # task/review events, the task digest, annotator drift, tag overlap
    ("hook", "scaffold"),
    ("sync",),  # Label Studio sync: schema export, formats, merge driver setup, git push
    (
        "server",
        "hookservice",
        "demo",
    ),  # install/doctor ask the audit writer; the service runs hooks
    ("commands",),
    ("main",),
    ("__main__",),
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported gitannot package) for every absolute import in the file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "gitannot":  # `from gitannot import commands, __version__`
                names = [f"gitannot.{a.name}" for a in node.names if _is_module(a.name)]
        else:
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "gitannot" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def _is_module(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_resources" not in p.parts)


def test_every_package_has_a_layer() -> None:
    packages = {_package_of(p) for p in _modules()} - {"__init__"}
    assert sorted(packages - RANK.keys()) == [], "place new packages in LAYERS"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    here = _package_of(path)
    if here == "__init__":
        return
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports gitannot.{target}"
        f" ({here} is layer {RANK[here]}, {target} is layer {RANK.get(target, '?')})"
        for line, target in _imports(path)
        if target != here and RANK.get(target, len(LAYERS)) >= RANK[here]
    ]
    assert wrong == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself: a core module importing the hook would be reported."""
    module = tmp_path / "bad.py"
    module.write_text("from gitannot.hook import pipeline\nimport gitannot.core.findings\n")
    assert _imports(module) == [(1, "hook"), (2, "core")]
    assert RANK["hook"] > RANK["core"]


GIT_RUNNER = PACKAGE / "gitio" / "run.py"


def _git_starts(path: Path) -> list[int]:
    """Lines of argv literals that begin with "git" (`subprocess.run(["git", ...])`, or
    `cmd = ["git", ...]` run later): only gitio/run.py may build one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.List | ast.Tuple)
            and node.elts
            and isinstance(node.elts[0], ast.Constant)
            and node.elts[0].value == "git"
        ):
            found.append(node.lineno)
    return sorted(found)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_gitio_run_starts_git(path: Path) -> None:
    """One place starts git, so every failure names command, exit code and output alike."""
    if path == GIT_RUNNER:
        return
    assert _git_starts(path) == [], (
        f"{path.relative_to(PACKAGE)} starts git itself at lines {_git_starts(path)}; "
        "call gitannot.gitio.run.run_git instead"
    )


def test_the_git_start_checker_sees_a_direct_call(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "import subprocess\n"
        'subprocess.run(["git", "push"])\n'
        'print(("x", 1))\n'
        'cmd = ("git", "log")\n'
    )
    assert _git_starts(module) == [2, 4]
    assert _git_starts(GIT_RUNNER) != []  # the runner itself builds one: the check sees it
