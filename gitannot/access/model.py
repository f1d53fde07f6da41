"""The access policy as values: users, groups, rules, limits, break-glass. Pure, no I/O."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from gitannot.core.refupdate import Action

# Where the policy lives in the repository (read from the trusted base only).
POLICY_PATH: Final = "configs/access.yaml"
POLICY_VERSION: Final = 1
BYPASS_OPTION: Final = "gitannot.bypass"

# Written in rules as `actions: [create, update, force, delete]`.
ACTION_NAMES: Final = {a.value: a for a in Action}


class Effect(Enum):
    ALLOW = "allow"
    DENY = "deny"


class Mode(Enum):
    ENFORCE = "enforce"
    EVALUATE = "evaluate"  # matched and reported, never decides (GitHub rulesets' Evaluate)


class LimitKind(Enum):
    MAX_BLOB_BYTES = "max_blob_bytes"
    MAX_CHANGED_FILES = "max_changed_files"
    MAX_REF_UPDATES = "max_ref_updates"  # per push; refs only (see limits.check_ref_count)
    FORBID_PATHS = "forbid_paths"
    FORBID_SYMLINKS = "forbid_symlinks"
    FORBID_SUBMODULES = "forbid_submodules"


@dataclass(frozen=True)
class Rule:
    effect: Effect
    actions: frozenset[Action]
    who: tuple[str, ...]  # "alice", "@group", "role:admin", "*" (any user the policy knows)
    refs: tuple[str, ...]  # full ref globs, e.g. "refs/heads/annotate/{user}/**"
    paths: tuple[str, ...] | None  # None: the rule is about the ref, so it covers every path
    mode: Mode
    source: str  # "configs/access.yaml:12"
    why: str = ""  # optional text from the policy, shown in denials

    def describe(self) -> str:
        actions = ",".join(a.value for a in Action if a in self.actions)
        text = f"{self.effect.value} {actions} on {' '.join(self.refs)}"
        if self.paths is not None:
            text += f" paths {' '.join(self.paths)}"
        text += f" for {' '.join(self.who)}"
        if self.mode is Mode.EVALUATE:
            text += " (evaluate)"
        return text


@dataclass(frozen=True)
class Limit:
    kind: LimitKind
    # max_*: the number; forbid_*: unused (the globs are in `paths`).
    value: int
    paths: tuple[str, ...]
    refs: tuple[str, ...]
    mode: Mode
    source: str


@dataclass(frozen=True)
class Policy:
    path: str
    users: dict[str, frozenset[str]]  # user -> roles
    groups: dict[str, frozenset[str]]  # group -> users
    rules: tuple[Rule, ...]
    limits: tuple[Limit, ...] = ()
    break_glass: tuple[str, ...] = ()  # who may push with gitannot.bypass
    break_glass_source: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def knows(self, user: str) -> bool:
        return user in self.users or any(user in members for members in self.groups.values())

    def known_users(self) -> list[str]:
        names = set(self.users)
        for members in self.groups.values():
            names |= members
        return sorted(names)

    def selects(self, selector: str, user: str) -> bool:
        """Whether one `who` entry covers this user. Unknown users are never selected."""
        if not self.knows(user):
            return False
        if selector == "*":
            return True
        if selector.startswith("role:"):
            return selector[5:] in self.users.get(user, frozenset())
        if selector.startswith("@"):
            return user in self.groups.get(selector[1:], frozenset())
        return selector == user
