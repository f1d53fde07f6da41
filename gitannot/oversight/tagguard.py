"""Automatic tags and release tags never share a name.

A server-written automatic tag (auto_tag.pattern in configs/automation.yaml) that a
release glob (tag_pattern in configs/release.yaml) matches would be taken for a release
that no gate ever judged. The rule (docs/automation.md): a push that makes the two
overlap is refused naming both files and a name both produce; and the post-receive step
never writes an automatic tag whose name the release policy in force matches (covering
configs that overlapped before this rule, or came in under break-glass).
"""

import fnmatch

import pygit2

from gitannot.core.findings import Finding
from gitannot.errors import ConfigError
from gitannot.events.autotag import Guard
from gitannot.events.config import AUTOMATION_PATH, load_automation
from gitannot.gitio import repo as gitrepo
from gitannot.oversight.tagoverlap import shared_name
from gitannot.push.context import PushContext
from gitannot.release.policy import RELEASE_POLICY_PATH, parse_policy

RULE = "automation.tag-overlap"


def check_tag_overlap(ctx: PushContext) -> list[Finding]:
    """PUSH_CHECKS entry: judged wherever a push changes either file (a config that does
    not load is reported by its own check, automation.invalid or release.policy-invalid)."""
    findings: list[Finding] = []
    for update in ctx.updates:
        if update.is_delete or not update.ref.startswith("refs/heads/"):
            continue
        auto_data = gitrepo.read_blob(ctx.repo, update.new, AUTOMATION_PATH)
        release_data = gitrepo.read_blob(ctx.repo, update.new, RELEASE_POLICY_PATH)
        if auto_data == ctx.base.read(AUTOMATION_PATH) and release_data == ctx.base.read(
            RELEASE_POLICY_PATH
        ):
            continue
        try:
            auto_tag = load_automation(auto_data).auto_tag
            glob = parse_policy(release_data).tag_pattern
        except ConfigError:
            continue
        name = shared_name(auto_tag.pattern, glob) if auto_tag.enabled and glob else None
        if name is not None:
            findings.append(
                Finding(
                    rule=RULE,
                    ref=update.ref,
                    path=AUTOMATION_PATH,
                    message=f"{AUTOMATION_PATH} auto_tag.pattern {auto_tag.pattern!r} and "
                    f"{RELEASE_POLICY_PATH} tag_pattern {glob!r} both give {name!r}: an "
                    "automatic tag would be taken for a release no gate judged",
                    hint="give automatic tags a prefix the release pattern does not match "
                    "(e.g. auto/{date}.{n} with tag_pattern 'v*')",
                )
            )
    return findings


def release_guard(repo: pygit2.Repository, base: str | None) -> Guard:
    """For produce.events_step: refuse names the release policy in force matches. An
    unreadable policy refuses every name (fail closed: a release tag cannot be ruled out)."""
    try:
        glob = parse_policy(gitrepo.read_blob(repo, base, RELEASE_POLICY_PATH)).tag_pattern
    except ConfigError as exc:
        reason = f"{RELEASE_POLICY_PATH} does not load ({exc.message}); release tags unknown"
        return lambda _name: reason

    def guard(name: str) -> str | None:
        if glob is not None and fnmatch.fnmatchcase(name, glob):
            return (
                f"{name!r} matches tag_pattern {glob!r} of {RELEASE_POLICY_PATH}: automatic "
                f"tags are never release tags (change auto_tag.pattern in {AUTOMATION_PATH})"
            )
        return None

    return guard
