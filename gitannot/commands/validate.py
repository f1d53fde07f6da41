"""`gitannot validate`: the push-time content checks on a working tree, a commit or a range."""

import argparse
import os
from pathlib import Path

import pygit2

from gitannot.constants import EXIT_DENIED, EXIT_OK, SERVER_DIR
from gitannot.errors import UsageError
from gitannot.gitio import repo as gitrepo
from gitannot.project.config import DEFAULT_PROJECT_PATH
from gitannot.validation.cache import ResultCache
from gitannot.validation.change import BaseRules, ChangeResult, config_finding, validate_change
from gitannot.validation.evolve import evolution_findings, names_agreement
from gitannot.validation.output import Progress, json_report, text_report
from gitannot.validation.rules import RulesError, load_rules
from gitannot.validation.service import Report, Validator
from gitannot.validation.sources import EntryKind, GitTreeSource, Source, WorkTreeSource

NAME = "validate"
HELP = "check label files against the ontology and format rules, as a push would"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: every label file)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--commit", metavar="REV", help="validate the label files of a commit")
    which.add_argument(
        "--range",
        metavar="A..B",
        help="validate what A..B changes, as a push of B onto A would be (rules from A)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    parser.add_argument(
        "--limit", type=int, default=10, help="findings listed in full, as a push shows (10)"
    )
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the cache")


def run(args: argparse.Namespace) -> int:
    repo = _open_repo()
    cache = ResultCache(
        None if args.no_cache else Path(repo.path) / SERVER_DIR / "cache" / "validation"
    )
    with cache:
        result = _collect(repo, args, cache)
    files, findings = result.report.files, result.findings
    if args.json:
        print(json_report(files, findings))
    else:
        for line in text_report(files, findings, result.notes, args.limit):
            print(line)
    return EXIT_DENIED if any(f.blocks for f in findings) else EXIT_OK


def _collect(repo: pygit2.Repository, args: argparse.Namespace, cache: ResultCache) -> ChangeResult:
    if args.range:
        return _range(repo, args.range, cache)
    if args.commit:
        return _tree(_source_for(repo, args.commit), args.paths, cache)
    if repo.workdir is None:
        raise UsageError("a bare repository has no working tree", "use --commit or --range")
    root = Path(repo.workdir)
    paths = [_repo_relative(root, p) for p in args.paths]
    return _tree(WorkTreeSource(root), paths, cache, head=_head_source(repo))


def _open_repo() -> pygit2.Repository:
    return gitrepo.discover(os.getcwd(), "run in a clone of the label repository")


def _source_for(repo: pygit2.Repository, rev: str) -> GitTreeSource:
    try:
        obj = repo.revparse_single(rev)
    except (KeyError, ValueError, pygit2.GitError) as exc:
        raise UsageError(f"unknown revision {rev!r}") from exc
    commit = gitrepo.peel_to_commit(repo, str(obj.id))
    if commit is None:
        raise UsageError(f"{rev!r} is not a commit")
    return GitTreeSource(repo, commit.tree)


def _head_source(repo: pygit2.Repository) -> GitTreeSource | None:
    try:
        return _source_for(repo, "HEAD")
    except UsageError:
        return None  # no commits yet


def _repo_relative(root: Path, name: str) -> str:
    full = Path(name).resolve() if not Path(name).is_symlink() else Path(name).absolute()
    try:
        return full.relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise UsageError(f"{name}: outside the repository at {root}") from exc


def _tree(
    source: Source,
    paths: list[str],
    cache: ResultCache,
    head: Source | None = None,
) -> ChangeResult:
    """All (or the named) label files of one tree, under that tree's own rules. In a work
    tree whose rules differ from HEAD's, the evolution rules are checked against HEAD."""
    result = ChangeResult()
    try:
        rules = load_rules(source)
    except RulesError as exc:
        result.findings.append(config_finding(exc, "in this tree"))
        return result
    validator = Validator(rules, source, cache)
    selected = _select(source, validator, paths)
    if head is not None:
        base = BaseRules.load(head)
        if base.rules is not None and base.rules.applied != rules.applied:
            result.findings.extend(
                evolution_findings(base.rules, rules, source, cache, set(selected))
            )
    result.report = _validate_with_progress(validator, selected)
    result.findings.extend(result.report.all_findings())
    result.findings.extend(names_agreement(rules, source, set(selected)))
    return result


def _select(source: Source, validator: Validator, paths: list[str]) -> list[str]:
    if not paths:
        return [e.path for e in source.walk() if validator.is_annotation_path(e.path)]
    out: list[str] = []
    walked = None
    for path in paths:
        # The whole tree, or a rules file: a new ontology or config affects every file.
        if path in ("", ".", DEFAULT_PROJECT_PATH, validator.rules.project.schema_path):
            return _select(source, validator, [])
        if validator.is_annotation_path(path) and source.entry(path).kind is not EntryKind.OTHER:
            out.append(path)
            continue
        walked = walked if walked is not None else [e.path for e in source.walk()]
        prefix = path.rstrip("/") + "/"
        out.extend(p for p in walked if p.startswith(prefix) and validator.is_annotation_path(p))
    return list(dict.fromkeys(out))


def _validate_with_progress(validator: Validator, paths: list[str]) -> Report:
    progress = Progress(len(paths))
    report = Report()
    for done, path in enumerate(paths, 1):
        progress.update(done, path)
        part = validator.validate([path])
        report.files.extend(part.files)
        report.findings.extend(part.findings)
    progress.close()
    return report


def _range(repo: pygit2.Repository, spec: str, cache: ResultCache) -> ChangeResult:
    start, sep, end = spec.partition("..")
    if not sep or not start or not end:
        raise UsageError(f"--range wants A..B, got {spec!r}")
    base_source = _source_for(repo, start)
    tip_source = _source_for(repo, end)
    tip = gitrepo.peel_to_commit(repo, str(repo.revparse_single(end).id))
    assert tip is not None
    exclude = [str(repo.revparse_single(start).id)]
    changed: set[str] = set()
    for commit in gitrepo.new_commits(repo, str(tip.id), exclude):
        changed.update(gitrepo.changed_paths(commit))
    base = BaseRules.load(base_source)
    return validate_change(base, tip_source, base_source, changed, cache)
