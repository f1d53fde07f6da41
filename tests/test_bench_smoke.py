"""Every bench still runs (at toy sizes) and prints its ratio lines; no timing is asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

CASES = {
    "bench_hook.py": (
        ["--runs", "2", "--refs", "20", "--commits", "30", "--annotations", "2000"],
        "push of a 1% edit",
    ),
    "bench_access.py": (["--commits", "50", "--repeat", "2"], "push of 50 new commits"),
    "bench_validate.py": (["--annotations", "2000", "--repeat", "1"], "ratio parse_file"),
    "bench_release.py": (["--items", "200", "--repeat", "1"], "ratio gates / validation"),
    "bench_workflow.py": (["--pushes", "30"], "first pusher of the newest commit"),
    "bench_hostile.py": (["--sizes", "0.1", "0.2", "--repeat", "1"], "hostile RLE"),
    "bench_history.py": (["--annotations", "500", "--repeat", "1"], "ratio diff/orjson.loads"),
    "bench_audit.py": (
        ["--sizes", "20", "--appends", "3", "--verify-max", "30"],
        "append at",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_bench_runs(script: str, tmp_path: Path) -> None:
    args, expected = CASES[script]
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert expected in proc.stdout, proc.stdout
