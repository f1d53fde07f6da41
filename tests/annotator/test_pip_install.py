"""`pip install <checkout>` into a fresh virtualenv gives a working `gitannot` on PATH;
`gitannot setup` registers the driver as `gitannot merge-driver ...`, so the clone keeps
merging after the checkout it was installed from is gone. Offline: the build backend and
the dependencies come from the test environment (PYTHONPATH), nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.gitenv import git
from tests.merge.cocodata import ann, base_doc, clone, dump
from tests.merge.gitmerge import init_repo, write_commit

ROOT = Path(__file__).resolve().parents[2]
REL = "labels/train.coco.json"

pytestmark = pytest.mark.slow


def _copy_checkout(dest: Path) -> None:
    names = git("ls-files", "-co", "--exclude-standard", "-z", cwd=ROOT).stdout.split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def test_pip_install_checkout_then_remove_it(tmp_path: Path) -> None:
    checkout = tmp_path / "gitannot-checkout"
    _copy_checkout(checkout)
    venv = tmp_path / "annotator-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
    pip += ["-q", "--no-deps", "--no-index", "--no-build-isolation", str(checkout)]
    deps = sysconfig.get_paths()["purelib"]  # dependencies and hatchling, already installed
    subprocess.run(pip, check=True, env=dict(os.environ, PYTHONPATH=deps))
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=deps)
    assert shutil.which("gitannot", path=env["PATH"]) == str(venv / "bin" / "gitannot")
    version = subprocess.run(["gitannot", "--version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("gitannot "), version.stderr

    repo = init_repo(tmp_path / "clone")
    git("config", "--unset", "merge.gitannot.driver", cwd=repo)
    git("init", "-q", "--bare", str(tmp_path / "server.git"))
    git("remote", "add", "origin", str(tmp_path / "server.git"), cwd=repo)
    setup = subprocess.run(
        ["gitannot", "setup", "--no-fetch"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    driver = git("config", "merge.gitannot.driver", cwd=repo).stdout.strip()
    assert driver == "gitannot merge-driver %O %A %B %P %L"

    shutil.rmtree(checkout)  # the install must not depend on the checkout any more
    ours, theirs = clone(base_doc()), clone(base_doc())
    ann(ours, 1)["bbox"] = [1, 2, 3, 4]
    ann(theirs, 10)["category_id"] = 7
    write_commit(repo, REL, dump(base_doc(), "compact"), "base")
    git("branch", "theirs", cwd=repo)
    write_commit(repo, REL, dump(ours, "compact"), "ours")
    git("checkout", "-q", "theirs", cwd=repo)
    write_commit(repo, REL, dump(theirs, "compact"), "theirs")
    git("checkout", "-q", "main", cwd=repo)
    merged = git("merge", "--no-edit", "theirs", cwd=repo, env=env, check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    expected = clone(ours)
    ann(expected, 10)["category_id"] = 7
    assert json.loads((repo / REL).read_bytes()) == expected
