"""Merge-driver benchmark: gitannot vs `git merge-file` on the same three COCO files.

    python bench/bench_merge.py                        # 10k and 100k annotations
    python bench/bench_merge.py --sizes 10000,100000,1000000

For each size and layout (pretty = indent 2, compact = one line) it generates base,
ours (1% of annotations edited, 1% appended) and theirs (another 1% edited, 1% appended,
distinct ids), then runs both mergers as child processes, one after the other, and
reads each child's CPU time and peak RSS from wait4(). Wall time is printed too, but
on a busy machine CPU time is the fairer figure. gitannot's result is checked (it must
be clean and hold every annotation); git merge-file's exit code is its conflict count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Generating and checking run in child processes too: a forked child's peak RSS starts
# at its parent's, so this process must stay small for wait4() figures to be honest.
CHECK = (
    "import orjson,sys; d=orjson.loads(open(sys.argv[1],'rb').read()); "
    "print(len(d['annotations']), len({a['id'] for a in d['annotations']}))"
)


@dataclass
class Run:
    exit_code: int
    wall: float
    cpu: float
    peak_mb: float


def measure(args: list[str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return Run(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def bench(n: int, layout: str, work: Path) -> tuple[Run, Run, int]:
    out = work / f"{layout}-{n}"
    gen = [sys.executable, str(HERE / "gen_coco.py"), f"--annotations={n}", f"--layout={layout}"]
    subprocess.run([*gen, f"--out={out}"], check=True, stdout=subprocess.DEVNULL)
    base, ours, theirs = out / "base.json", out / "ours.json", out / "theirs.json"
    size = ours.stat().st_size
    mine, git = ours.with_name("result-gitannot.json"), ours.with_name("result-git.json")
    shutil.copyfile(ours, mine)
    shutil.copyfile(ours, git)
    driver = [sys.executable, "-m", "gitannot", "merge-driver"]
    ga = measure([*driver, str(base), str(mine), str(theirs), "labels/x.coco.json"])
    gm = measure(["git", "merge-file", str(git), str(base), str(theirs)])
    check = subprocess.run([sys.executable, "-c", CHECK, str(mine)], capture_output=True, text=True)
    expected = n + 2 * max(1, n // 100)
    if ga.exit_code != 0 or check.stdout.split() != [str(expected)] * 2:
        raise SystemExit(f"gitannot result wrong: exit {ga.exit_code}, {check.stdout!r}")
    return ga, gm, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--layouts", default="pretty,compact")
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: temp)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gitannot-bench-"))
    print(
        f"{'annotations':>11} {'layout':>7} {'MB':>6} | {'gitannot cpu/wall s':>19} "
        f"{'peak MB':>8} | {'merge-file cpu/wall s':>21} {'peak MB':>8} {'conflicts':>9} | "
        f"{'speed-up cpu':>12} {'mem ratio':>9}"
    )
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            for layout in args.layouts.split(","):
                ga, gm, size = bench(n, layout, work)
                print(
                    f"{n:>11} {layout:>7} {size / 1e6:>6.0f} | "
                    f"{ga.cpu:>9.2f}/{ga.wall:<9.2f} {ga.peak_mb:>8.0f} | "
                    f"{gm.cpu:>10.2f}/{gm.wall:<10.2f} {gm.peak_mb:>8.0f} {gm.exit_code:>9} | "
                    f"{gm.cpu / ga.cpu:>11.1f}x {ga.peak_mb / gm.peak_mb:>9.2f}",
                    flush=True,
                )
                shutil.rmtree(work / f"{layout}-{n}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
