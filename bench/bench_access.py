"""Benchmark: gitannot's pre-receive cost against a push into a repository with no hooks.

Measured in the same run, on the same commits:
1. a typical push (one commit, a few label files, to a personal branch), repeated;
2. one push bringing N (default 5,000) new commits;
3. the access check alone (in-process, `check_access`) on those N commits.

Run: /tmp/tv/bin/python bench/bench_access.py [--commits 5000] [--repeat 9]
Prints medians and ratios; the default run takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchgit import run_git

from gitannot.access.check import check_access
from gitannot.access.offline import open_repo, push_context, resolve
from gitannot.core.refupdate import RefUpdate
from gitannot.gitio.sealed import sealed_git_env

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "gitannot" / "scaffold" / "templates" / "configs" / "access.yaml"


def sealed_env(home: Path) -> dict[str, str]:
    bob = ("bob", "bob@example.com")
    env = sealed_git_env(home, author=bob, committer=bob)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    return env


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = sealed_env(root / "home")
        self.hooked = root / "hooked.git"
        self.plain = root / "plain.git"
        self.client = root / "client"

    def git(self, *args: str, cwd: Path | None = None, user: str = "", stdin: str = "") -> str:
        env = dict(self.env, GITANNOT_USER=user) if user else self.env
        return run_git(args, cwd=cwd or self.client, env=env, stdin=stdin)

    def setup(self, keep_timeout: bool = False) -> None:
        run = [sys.executable, "-m", "gitannot"]
        subprocess.run(
            [*run, "server", "install", str(self.hooked), "--init", "--admin", "alice"],
            env=self.env,
            check=True,
            capture_output=True,
        )
        # A big push must not hit the default 4 s cutoff while being measured.
        if not keep_timeout:
            config = self.hooked / "gitannot" / "server.yaml"
            text = config.read_text().replace(
                "hook_timeout_seconds: 4.0", "hook_timeout_seconds: 600"
            )
            config.write_text(text)
        self.git("init", "-q", "--bare", str(self.plain), cwd=self.root)
        self.git("init", "-q", str(self.client), cwd=self.root)
        subprocess.run(
            [*run, "init", str(self.client)], env=self.env, check=True, capture_output=True
        )
        (self.client / "configs" / "access.yaml").write_text(POLICY.read_text())
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "scaffold")
        for url in (self.hooked, self.plain):
            self.git("push", "-q", str(url), "HEAD:refs/heads/main", user="alice")
        self.git("remote", "add", "origin", str(self.hooked))

    def push(self, repo: Path, refspec: str) -> float:
        start = time.perf_counter()
        self.git("push", "-q", str(repo), refspec, user="bob")
        return time.perf_counter() - start

    def typical(self, repeat: int) -> tuple[float, float, float]:
        hooked, plain, access = [], [], []
        for i in range(repeat):
            self.git("checkout", "-q", "-B", f"t{i}", "main")
            for j in range(5):
                label = _coco(i, j)
                path = self.client / "labels" / "coco" / f"img-{i}-{j}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(label)
            self.git("add", "-A")
            self.git("commit", "-q", "-m", f"labels {i}")
            ref = f"refs/heads/annotate/bob/t{i}"
            access.append(self.access_only(self.git("rev-parse", "HEAD").strip(), ref))
            hooked.append(self.push(self.hooked, f"HEAD:{ref}"))
            plain.append(self.push(self.plain, f"HEAD:{ref}"))
        return statistics.median(hooked), statistics.median(plain), statistics.median(access)

    def make_commits(self, count: int) -> str:
        """`count` commits on top of main, each changing one of 50 label files (fast-import)."""
        base = self.git("rev-parse", "main").strip()
        lines = []
        for i in range(count):
            data = f"note {i}\n"
            lines += [
                "commit refs/heads/bulk",
                f"mark :{i + 1}",
                f"committer bob <bob@example.com> {1700000000 + i} +0000",
                f"data {len(f'c{i}')}",
                f"c{i}",
                f"from {base}" if i == 0 else f"from :{i}",
                f"M 100644 inline labels/notes/n{i % 50}.txt",
                f"data {len(data)}",
                data,
            ]
        self.git("fast-import", "--quiet", stdin="\n".join(lines) + "\n")
        return self.git("rev-parse", "refs/heads/bulk").strip()

    def access_only(self, tip: str, ref: str) -> float:
        """check_access in-process on the client (origin = the hooked server, before push)."""
        self.git("fetch", "-q", "origin")
        repo = open_repo(self.client)
        update = RefUpdate(resolve(repo, "0"), tip, ref)
        ctx = push_context(
            repo,
            update,
            "bob",
            base="refs/remotes/origin/main",
            admins=["alice"],
            options=[],
        )
        start = time.perf_counter()
        findings = check_access(ctx)
        elapsed = time.perf_counter() - start
        assert not [f for f in findings if f.blocks], findings
        assert len(ctx.incoming_commits(update)) >= 1
        return elapsed


def _coco(i: int, j: int) -> str:
    doc = {
        "images": [{"id": 1, "file_name": f"img-{i}-{j}.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [10, 10, 50, 100],
                "area": 5000,
                "iscrowd": 0,
            }
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--keep-timeout",
        action="store_true",
        help="keep the default hook_timeout_seconds (a push over it is rejected)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitannot-bench-") as tmp:
        bench = Bench(Path(tmp))
        bench.setup(args.keep_timeout)
        hooked, plain, access = bench.typical(args.repeat)
        print(f"typical push (1 commit, 5 COCO files), median of {args.repeat}:")
        print(
            f"  gitannot hook {hooked * 1000:.0f} ms, no hook {plain * 1000:.0f} ms, "
            f"ratio {hooked / plain:.1f}x, overhead {(hooked - plain) * 1000:.0f} ms"
        )
        bench.git("checkout", "-q", "main")
        tip = bench.make_commits(args.commits)
        print(f"  of which the access check (in-process): {access * 1000:.1f} ms")
        access = bench.access_only(tip, "refs/heads/annotate/bob/bulk")
        ref = f"{tip}:refs/heads/annotate/bob/bulk"
        try:
            big_hooked = bench.push(bench.hooked, ref)
        except SystemExit as exc:  # e.g. over hook_timeout_seconds with --keep-timeout
            reasons = [line for line in str(exc).splitlines() if "ERROR" in line]
            print(f"push of {args.commits} new commits into the hooked repo was REJECTED:")
            print("  " + "\n  ".join(reasons or [str(exc)]))
            return 1
        big_plain = bench.push(bench.plain, ref)
        print(f"push of {args.commits} new commits:")
        print(
            f"  gitannot hook {big_hooked:.2f} s, no hook {big_plain:.2f} s, "
            f"ratio {big_hooked / big_plain:.1f}x"
        )
        print(f"  access check alone (every commit's paths): {access:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
