"""Parse configs/workflow.yaml (read from the trusted base) into a WorkflowConfig.

Strict like the access policy: unknown keys, unknown users/roles/groups and bad values
are errors naming `file:line`, because a typo here would silently change who may merge.
"""

from typing import Any

from gitannot.access import globs
from gitannot.access.model import Policy
from gitannot.errors import ConfigError
from gitannot.schema.yamlsrc import load_yaml, where
from gitannot.workflow.model import (
    WORKFLOW_VERSION,
    Protection,
    TaskRights,
    WorkflowConfig,
)

_TOP = {"version", "task_managers", "task_rights", "protect"}
_RIGHTS = {"who", "paths"}
_PROTECT = {"refs", "approvals", "reviewers", "dismiss_stale"}


def parse_workflow(data: bytes, path: str, policy: Policy) -> WorkflowConfig:
    """Raises ConfigError naming `path:line` for anything unusable."""
    top = load_yaml(data, path, typed=True)
    if not isinstance(top, dict):
        raise ConfigError(f"{path}: must be a mapping", hint=f"see docs/workflow.md for {path}")
    p = _Parser(path, policy)
    p.keys(top, _TOP, "the top level")
    if top.get("version") != WORKFLOW_VERSION:
        raise p.fail(top, f"`version: {WORKFLOW_VERSION}` is required", "version")
    managers = p.who(top.get("task_managers", ["role:admin"]), top, "task_managers")
    rights = None
    if top.get("task_rights") is not None:
        raw = p.mapping(top["task_rights"], top, "task_rights")
        p.keys(raw, _RIGHTS, "task_rights")
        rights = TaskRights(
            who=p.who(raw.get("who"), raw, "who"),
            paths=p.patterns(raw.get("paths", ["labels/**"]), raw, "paths"),
        )
    protect = tuple(p.protection(item) for item in p.items(top.get("protect", []), top))
    return WorkflowConfig(managers=managers, task_rights=rights, protect=protect, source=path)


class _Parser:
    def __init__(self, path: str, policy: Policy) -> None:
        self.path = path
        self.policy = policy

    def fail(self, node: object, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(
            f"{where(self.path, node, key)}: {message}",
            hint=f"fix {self.path} on the default branch (docs/workflow.md lists the keys)",
        )

    def mapping(self, raw: object, parent: object, what: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(parent, f"`{what}` must be a mapping", what)
        return raw

    def items(self, raw: object, parent: object) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
            raise self.fail(parent, "`protect` must be a list of mappings", "protect")
        return raw

    def keys(self, node: dict[str, Any], allowed: set[str], what: str) -> None:
        unknown = sorted(k for k in node if k not in allowed)
        if unknown:
            raise self.fail(
                node,
                f"unknown key(s) in {what}: {', '.join(unknown)} "
                f"(allowed: {', '.join(sorted(allowed))})",
                unknown[0],
            )

    def strings(self, raw: object, node: object, what: str) -> list[str]:
        if isinstance(raw, str):
            return [raw]
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
            raise self.fail(node, f"`{what}` must be a string or a non-empty list of strings")
        return list(raw)

    def who(self, raw: object, node: object, what: str) -> tuple[str, ...]:
        selectors = self.strings(raw, node, what)
        roles = set().union(*self.policy.users.values())
        for sel in selectors:
            if sel.startswith("role:") and sel[5:] not in roles:
                raise self.fail(node, f"{what}: no user of the access policy has role {sel[5:]!r}")
            if sel.startswith("@") and sel[1:] not in self.policy.groups:
                raise self.fail(node, f"{what}: unknown group {sel!r}")
            if sel == "*" or sel.startswith(("role:", "@")):
                continue
            if not self.policy.knows(sel):
                raise self.fail(node, f"{what}: unknown user {sel!r} (not in the access policy)")
        return tuple(selectors)

    def patterns(self, raw: object, node: object, what: str) -> tuple[str, ...]:
        values = self.strings(raw, node, what)
        for value in values:
            problem = globs.check_pattern(value)
            if problem:
                raise self.fail(node, f"{what}: {problem}")
        return tuple(values)

    def protection(self, item: dict[str, Any]) -> Protection:
        self.keys(item, _PROTECT, "a protect entry")
        refs = self.patterns(item.get("refs"), item, "refs")
        for ref in refs:
            if not ref.startswith("refs/"):
                raise self.fail(item, f"refs: {ref!r} is not a full ref name (refs/heads/...)")
        count = item.get("approvals", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise self.fail(item, "approvals must be a positive integer", "approvals")
        stale = item.get("dismiss_stale", True)
        if not isinstance(stale, bool):
            raise self.fail(item, "dismiss_stale must be true or false", "dismiss_stale")
        return Protection(
            refs=refs,
            approvals=int(count),
            reviewers=self.who(item.get("reviewers"), item, "reviewers"),
            dismiss_stale=stale,
            source=where(self.path, item),
        )
