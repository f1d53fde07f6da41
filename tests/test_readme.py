"""The README tells the truth: quick start, embedded examples, command list."""

import re
from pathlib import Path

from gitannot.main import command_modules

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    first = code_blocks(README)[0]
    commands = [line.split("#")[0].strip() for line in first.splitlines() if line.strip()]
    assert commands == ["./install.sh demo", "tests/run.sh"]
    assert "exec tests/run.sh" in (ROOT / ".ci" / "run").read_text()


def test_policy_example_is_the_scaffold_template() -> None:
    template = (ROOT / "gitannot/scaffold/templates/configs/access.yaml").read_text()
    assert template in code_blocks(README)


def test_auditor_script_is_the_one_the_audit_tests_run() -> None:
    doc = (ROOT / "docs" / "audit.md").read_text()
    doc_scripts = [
        "\n".join(line.removeprefix("   ") for line in block.splitlines()) + "\n"
        for block in code_blocks(doc)
        if "ssh-keygen -Y verify" in block and "CHAIN BROKEN" in block
    ]
    assert len(doc_scripts) == 1
    assert doc_scripts[0] in code_blocks(README)


def test_every_visible_command_is_in_the_readme_table() -> None:
    for module in command_modules():
        if getattr(module, "HIDDEN", False):
            assert f"`gitannot {module.NAME}`" in README, module.NAME
        else:
            assert f"| `gitannot {module.NAME}" in README, module.NAME
