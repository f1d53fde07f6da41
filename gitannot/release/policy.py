"""configs/release.yaml: which tags are releases, the split names, what a release needs.

Read from the trusted base like the access policy. Absent file: no tag is a release
(manifests are still checked with the default split names).
"""

import fnmatch
from dataclasses import dataclass

from gitannot.core.manifest import DEFAULT_SPLITS
from gitannot.core.yamlsafe import load_yaml
from gitannot.errors import ConfigError

RELEASE_POLICY_PATH = "configs/release.yaml"
_KEYS = {"tag_pattern", "splits", "frozen_splits", "required_approvals", "task_scope"}


@dataclass(frozen=True)
class ReleasePolicy:
    tag_pattern: str | None = None  # fnmatch over the tag name; None: no release tags
    splits: tuple[str, ...] = DEFAULT_SPLITS
    # Splits a release fixes: later pushes may not move their items elsewhere.
    frozen_splits: tuple[str, ...] = ("test",)
    required_approvals: int = 0  # needs the review workflow (gitannot/workflow)
    task_scope: str = "tasks/**"  # which tasks must be accepted (needs the task workflow)
    source: str = RELEASE_POLICY_PATH
    blob_id: str = ""

    def is_release_tag(self, ref: str) -> bool:
        if self.tag_pattern is None or not ref.startswith("refs/tags/"):
            return False
        return fnmatch.fnmatchcase(ref.removeprefix("refs/tags/"), self.tag_pattern)


def parse_policy(data: bytes | None, blob_id: str = "") -> ReleasePolicy:
    if data is None:
        return ReleasePolicy()
    src = RELEASE_POLICY_PATH
    # The one hardened loader (no aliases, size caps); YAML 1.2 core typing.
    doc = load_yaml(data, src, lines=False, schema="core")
    if doc is None:
        return ReleasePolicy(blob_id=blob_id)
    if not isinstance(doc, dict):
        raise ConfigError(f"{src}: must be a mapping", "see docs/releases.md")
    unknown = sorted(str(k) for k in doc if k not in _KEYS)
    if unknown:
        raise ConfigError(
            f"{src}: unknown key(s) {', '.join(unknown)}", f"allowed: {', '.join(sorted(_KEYS))}"
        )
    pattern = doc.get("tag_pattern")
    if pattern is not None and (not isinstance(pattern, str) or not pattern.strip()):
        raise ConfigError(f"{src}: tag_pattern must be a non-empty glob like 'v*'")
    splits = _names(doc, "splits", DEFAULT_SPLITS)
    frozen = _names(doc, "frozen_splits", ("test",))
    bad = [s for s in frozen if s not in splits]
    if bad:
        raise ConfigError(f"{src}: frozen split(s) {', '.join(bad)} are not in `splits`")
    approvals = doc.get("required_approvals", 0)
    if not isinstance(approvals, int) or isinstance(approvals, bool) or approvals < 0:
        raise ConfigError(f"{src}: required_approvals must be a whole number >= 0")
    scope = doc.get("task_scope", "tasks/**")
    if not isinstance(scope, str):
        raise ConfigError(f"{src}: task_scope must be a glob")
    return ReleasePolicy(pattern, splits, frozen, approvals, scope, src, blob_id)


def _names(doc: dict[object, object], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = doc.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{RELEASE_POLICY_PATH}: `{key}` must be a non-empty list of names")
    return tuple(value)
