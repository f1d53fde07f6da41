"""The sync's own working clone of the server repository (on the sync host).

It holds the sync state: a ref whose commit's tree has the files as the tool last
rendered them, and whose parent is the last commit the sync pushed or saw. Every git
command goes through gitio.run, and every push is an ordinary `git push` to the server,
so the server's hooks judge it like anyone's.
"""

import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from gitannot.errors import ConfigError
from gitannot.gitio.run import git_output, run_git
from gitannot.merge.conflicts import find
from gitannot.scaffold.driver_config import register_driver

REMOTE = "origin"
STATE_PREFIX = "refs/gitannot-sync/labelstudio/"
_REF_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            GIT_AUTHOR_NAME=self.name,
            GIT_AUTHOR_EMAIL=self.email,
            GIT_COMMITTER_NAME=self.name,
            GIT_COMMITTER_EMAIL=self.email,
        )
        return env


@dataclass(frozen=True)
class PushOutcome:
    accepted: bool
    output: str


class WorkClone:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, path: Path, remote: str | None) -> "WorkClone":
        if not (path / ".git").exists():
            if not remote:
                raise ConfigError(
                    f"{path}: no working clone yet",
                    "pass --remote URL (the server repository) for the first run",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            run_git(["clone", "-q", "--no-checkout", remote, str(path)])
        elif remote:
            current = git_output(["remote", "get-url", REMOTE], cwd=path)
            if current != remote:
                raise ConfigError(
                    f"{path}: the working clone follows {current}, not {remote}",
                    "use another --workdir for another server",
                )
        clone = cls(path)
        register_driver(path)
        return clone

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        proc = run_git(list(args), cwd=self.path, env=env, check=check)
        return proc.stdout.decode("utf-8", "replace").rstrip("\n")

    def fetch(self) -> str:
        """Fetch the server; its default branch name (the trusted base)."""
        self.git("fetch", "-q", "--prune", REMOTE, f"+refs/heads/*:refs/remotes/{REMOTE}/*")
        head = self.git("ls-remote", "--symref", REMOTE, "HEAD", check=False)
        match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", head, re.M)
        if match is None:
            raise ConfigError(
                "the server repository has no default branch yet",
                "push the project (schema, configs/sync.yaml) to its default branch first",
            )
        return match.group(1)

    def tip(self, branch: str) -> str | None:
        out = self.git(
            "rev-parse",
            "--verify",
            "--quiet",
            f"refs/remotes/{REMOTE}/{branch}^{{commit}}",
            check=False,
        )
        return out or None

    def read(self, commit: str, path: str) -> bytes | None:
        proc = run_git(["cat-file", "blob", f"{commit}:{path}"], cwd=self.path, check=False)
        return proc.stdout if proc.returncode == 0 else None

    # -- sync state --------------------------------------------------------------------

    @staticmethod
    def state_ref(project: str) -> str:
        return STATE_PREFIX + (_REF_SAFE.sub("-", project).strip("-.") or "project")

    def state(self, project: str) -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", self.state_ref(project), check=False)
        return out or None

    def set_state(self, project: str, commit: str, old: str | None) -> None:
        self.git("update-ref", self.state_ref(project), commit, old or "0" * 40)

    def get(self, project_id: int) -> str | None:
        """The labeling config the sync last applied to the project (ConfigMemory)."""
        path = self._memory(project_id)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def put(self, project_id: int, label_config: str) -> None:
        path = self._memory(project_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(label_config, encoding="utf-8")

    def _memory(self, project_id: int) -> Path:
        return self.path / ".git" / "gitannot-sync" / f"labelstudio-{project_id}.xml"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One sync at a time per working clone (a --watch loop and a cron run)."""
        path = self.path / ".git" / "gitannot-sync.lock"
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ConfigError(
                    f"{self.path}: another sync is running on this working clone",
                    "let it finish; a --watch loop already syncs on every webhook",
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- building commits --------------------------------------------------------------

    def tree_with(self, commit: str, files: Mapping[str, bytes | None]) -> str:
        """The tree of `commit` with `files` replaced (None: removed)."""
        index = self.path / ".git" / "gitannot-sync.index"
        env = dict(os.environ, GIT_INDEX_FILE=str(index))
        try:
            self.git("read-tree", f"{commit}^{{tree}}", env=env)
            for path, data in files.items():
                if data is None:
                    self.git("update-index", "--force-remove", "--", path, env=env)
                    continue
                blob = (
                    run_git(["hash-object", "-w", "--stdin"], cwd=self.path, input=data)
                    .stdout.decode()
                    .strip()
                )
                self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            return self.git("write-tree", env=env)
        finally:
            index.unlink(missing_ok=True)

    def commit_tree(self, tree: str, parents: list[str], message: str, who: Identity) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        args += ["-F", "-"]
        proc = run_git(args, cwd=self.path, env=who.env(), input=message.encode("utf-8"))
        return proc.stdout.decode().strip()

    def tree_of(self, commit: str) -> str:
        return self.git("rev-parse", f"{commit}^{{tree}}")

    def merge(self, ours: str, theirs: str, who: Identity) -> tuple[str | None, str]:
        """A real `git merge` of `theirs` into `ours` in the work tree, with the gitannot
        merge driver; (merged tree, "") or (None, git's report) when it conflicts."""
        self.git("checkout", "-q", "-f", "--detach", ours)
        proc = run_git(
            ["merge", "--no-ff", "--no-edit", "-m", "gitannot sync merge", theirs],
            cwd=self.path,
            env=who.env(),
            check=False,
        )
        if proc.returncode == 0:
            return self.tree_of("HEAD"), ""
        report = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
        conflicted = self.git("diff", "--name-only", "--diff-filter=U", check=False)
        lines = []
        for path in (p for p in conflicted.splitlines() if p):
            lines.append(f"conflicted: {path}")
            lines += self._records(path)
        self.git("merge", "--abort", check=False)
        self.git("checkout", "-q", "-f", "--detach", ours, check=False)
        return None, "\n".join([*lines, report])

    def _records(self, path: str) -> list[str]:
        """The driver's conflict records in a merged JSON file: which annotation, which
        fields, both sides (what `gitannot conflicts` prints in a clone)."""
        try:
            doc = orjson.loads((self.path / path).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return []
        out = []
        for found in find(doc):
            rec = found.record
            fields = ",".join(str(f) for f in rec.get("fields") or [])
            out.append(
                f"  {found.pointer} key={rec.get('key')} reason={rec.get('reason')}"
                + (f" fields={fields}" if fields else "")
            )
            for side in ("ours", "theirs"):
                value = orjson.dumps(rec.get(side)).decode()
                out.append(f"    {'git ' if side == 'ours' else 'tool'}: {value[:300]}")
        return out

    def push(self, commit: str, branch: str, options: list[str]) -> PushOutcome:
        args = ["push", "--porcelain"]
        for option in options:
            args += ["-o", option]
        args += [REMOTE, f"{commit}:refs/heads/{branch}"]
        proc = run_git(args, cwd=self.path, check=False)
        output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        return PushOutcome(proc.returncode == 0, output)

    def attributes(self, paths: list[str]) -> None:
        """The files the sync writes merge with the gitannot driver, whatever the
        repository's .gitattributes says (info/attributes wins and is never pushed)."""
        info = self.path / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        lines = [f"/{p} merge=gitannot" for p in paths]
        (info / "attributes").write_text("\n".join(lines) + "\n", encoding="utf-8")
