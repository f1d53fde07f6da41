"""The CLI contract: --help everywhere, exit codes, init / install-driver, the demo."""

import subprocess
import sys
from pathlib import Path

import pytest

from gitannot.main import build_parser, command_modules, main
from tests.gitenv import git


def subcommand_paths() -> list[list[str]]:
    """Every command and sub-action the parser knows, e.g. ["server", "install"]."""
    paths: list[list[str]] = []

    def walk(parser: object, prefix: list[str]) -> None:
        for action in getattr(parser, "_actions", []):
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, sub in choices.items():
                    paths.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return paths


@pytest.mark.parametrize("path", subcommand_paths(), ids=lambda p: " ".join(p))
def test_help_everywhere(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    assert "usage: gitannot " + " ".join(path) in capsys.readouterr().out


def test_every_command_module_is_registered() -> None:
    names = {m.NAME for m in command_modules()}
    assert {"server", "hook", "init", "install-driver", "demo"} <= names


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["server", "frobnicate"])
    assert exc.value.code == 2
    assert "gitannot: error:" in capsys.readouterr().err
    assert main([]) == 2


def test_console_entry_point_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("gitannot ")


def test_init_scaffolds_and_registers_driver(tmp_path: Path) -> None:
    target = tmp_path / "project"
    assert main(["init", str(target)]) == 0
    for folder in ("data", "labels", "schema", "tasks", "reviews", "configs"):
        assert (target / folder).is_dir(), folder
    assert "labels/** merge=gitannot" in (target / ".gitattributes").read_text()
    driver = git("config", "--get", "merge.gitannot.driver", cwd=target).stdout
    assert driver.rstrip().endswith("gitannot merge-driver %O %A %B %P %L")  # PATH or -m


def test_init_keeps_existing_files(tmp_path: Path) -> None:
    (tmp_path / "labels").mkdir()
    (tmp_path / ".gitattributes").write_text("mine\n")
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / ".gitattributes").read_text() == "mine\n"


def test_install_driver_in_a_clone(tmp_path: Path) -> None:
    git("init", "-q", str(tmp_path / "clone"))
    (tmp_path / "clone" / "sub").mkdir()
    assert main(["install-driver", str(tmp_path / "clone" / "sub")]) == 0
    name = git("config", "--get", "merge.gitannot.name", cwd=tmp_path / "clone").stdout
    assert name.strip() == "gitannot annotation-aware merge"


def test_install_driver_outside_a_repo_fails(tmp_path: Path) -> None:
    assert main(["install-driver", str(tmp_path)]) == 3


@pytest.mark.slow
def test_demo_runs_every_step_with_intended_outcome(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "demo", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "UNEXPECTED" not in proc.stdout
    assert "had their intended outcome" in proc.stdout
