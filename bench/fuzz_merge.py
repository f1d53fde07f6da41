"""Long differential fuzzing of the merge driver (the suite runs a short, fixed slice).

    python bench/fuzz_merge.py --trials 1000            # spread over every format
    python bench/fuzz_merge.py --trials 200 --formats voc,cvat --seed 7

Each trial takes a real export from the realdata folder, applies random independent
edits on both sides (tests/merge/fuzzcases.py), runs a real `git merge` through the
driver and has an oracle that shares no code with gitannot.merge (tests/merge/oracle.py)
judge the result. Prints one line per failing trial (format, seed, problems) and a
summary; a failing trial replays alone with `--seed-of FMT:SEED`. Exit 1 on any failure
that is not a known open issue (those are counted and named apart).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gitenv import sealed_environ  # noqa: E402 - needs ROOT on the path
from tests.merge.fuzzcases import FORMATS, make_case, run_case, seeds  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=600, help="in all, spread over formats")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--seed-of", help="replay one trial, FMT:SEED, and print its files")
    parser.add_argument(
        "--realdata",
        type=Path,
        default=ROOT / "tests" / "data" / "realdata",
        help="the real exports to fuzz over (default: the project's tests/data/realdata)",
    )
    args = parser.parse_args(argv)
    if not args.realdata.is_dir():
        parser.error(f"{args.realdata} is not a folder of real exports")
    with tempfile.TemporaryDirectory(prefix="fuzz-merge-") as tmp:
        sealed = sealed_environ(Path(tmp) / "home")  # fixed identities, no user config
        os.environ.clear()
        os.environ.update(sealed)
        if args.seed_of:
            fmt, seed = args.seed_of.split(":")
            return replay(args.realdata, Path(tmp), fmt, int(seed))
        return fuzz(args.realdata, Path(tmp), args.formats.split(","), args.trials, args.seed)


def fuzz(realdata: Path, tmp: Path, formats: list[str], trials: int, seed: int) -> int:
    per = max(1, trials // len(formats))
    ran: Counter[str] = Counter()
    exits: Counter[tuple[str, int]] = Counter()
    failed = 0
    known: Counter[str] = Counter()
    for fmt in formats:
        for n, trial_seed in enumerate(seeds(seed, fmt, per)):
            case = make_case(realdata, fmt, random.Random(trial_seed))
            code, _data, problems = run_case(tmp / f"{fmt}-{n}", case)
            ran[fmt] += 1
            exits[(fmt, min(code, 1))] += 1
            if problems and case.known:
                known[case.known] += 1
                print(f"KNOWN {fmt}:{trial_seed} ({case.known})", flush=True)
            elif problems:
                failed += 1
                print(f"FAIL {fmt}:{trial_seed}: {'; '.join(problems)[:400]}", flush=True)
    total = sum(ran.values())
    for fmt in formats:
        print(
            f"{fmt:12} {ran[fmt]:5} trials  clean {exits[(fmt, 0)]:5}  conflict {exits[(fmt, 1)]:5}"
        )
    for issue, count in known.items():
        print(f"{count} trial(s) hit a known open issue: {issue}")
    print(f"{total} trials, {failed} failed (seed {seed})")
    return 1 if failed else 0


def replay(realdata: Path, tmp: Path, fmt: str, seed: int) -> int:
    case = make_case(realdata, fmt, random.Random(seed))
    code, data, problems = run_case(tmp / "replay", case)
    print("\n".join(case.log))
    for name, body in (("base", case.base), ("ours", case.ours), ("theirs", case.theirs)):
        (Path.cwd() / f"fuzz-{fmt}-{seed}.{name}").write_bytes(body)
    (Path.cwd() / f"fuzz-{fmt}-{seed}.merged").write_bytes(data)
    print(f"exit {code}; files written to fuzz-{fmt}-{seed}.*")
    print("\n".join(problems) or "correct")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
