"""configs/automation.yaml: delivery targets, auto-tagging, retraining and drift settings.

Read from the trusted base (the default branch before the push), like the access policy.
Secrets are never in this file: a target names them and secrets.resolve finds the value.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gitannot.errors import ConfigError
from gitannot.events import types as T
from gitannot.project.config import DriftThresholds, drift_thresholds, mapping, number
from gitannot.project.globs import match
from gitannot.schema.yamlsrc import LineDict, load_yaml, only_keys, where

AUTOMATION_PATH = "configs/automation.yaml"
KINDS = ("webhook", "slack", "email")
SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_TAG_PATTERN = "auto/{date}.{n}"
TOP_KEYS = {"targets", "protected", "auto_tag", "retrain", "drift", "commit_url", "digest"}


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    url: str = ""
    url_secret: str = ""  # Slack webhook URLs are secrets themselves
    secret: str = ""  # HMAC key name (webhook)
    events: tuple[str, ...] = ()  # full type names; () = every type
    branches: tuple[str, ...] = ()  # globs on branch names; () = every branch
    tags: tuple[str, ...] = ()  # globs on tag names; () = every tag
    to: tuple[str, ...] = ()
    sender: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password_secret: str = ""
    starttls: bool = False
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def wants(self, event_type: str, subject: str) -> bool:
        if event_type == T.PING:
            return True
        if self.events and event_type not in self.events:
            return False
        if subject.startswith("refs/heads/") and self.branches:
            return any(match(g, subject.removeprefix("refs/heads/")) for g in self.branches)
        if subject.startswith("refs/tags/") and self.tags:
            return any(match(g, subject.removeprefix("refs/tags/")) for g in self.tags)
        return True


@dataclass(frozen=True)
class AutoTag:
    enabled: bool = False
    pattern: str = DEFAULT_TAG_PATTERN
    branches: tuple[str, ...] = ()  # () = the protected branches


@dataclass(frozen=True)
class Retrain:
    on_release: bool = True
    every_annotations: int = 0  # 0 = off


@dataclass(frozen=True)
class Drift(DriftThresholds):
    """A push's label mix against the base's; the thresholds are project.yaml's type."""

    max_base_files: int = 2000


@dataclass(frozen=True)
class Automation:
    targets: tuple[Target, ...] = ()
    protected: tuple[str, ...] = ()  # branch globs; () = the default branch only
    auto_tag: AutoTag = AutoTag()
    retrain: Retrain = Retrain()
    drift: Drift = Drift()
    # `gitannot notify digest`: a task in progress with no push for this many days stopped.
    stopped_days: float = 3.0
    # "https://git.example.org/labels/commit/{id}": each commit in an event gets a link.
    commit_url: str = ""
    source: str = AUTOMATION_PATH
    extra: dict[str, Any] = field(default_factory=dict)

    def is_protected(self, branch: str, default_branch: str) -> bool:
        if not self.protected:
            return branch == default_branch
        return any(match(g, branch) for g in self.protected)


def load_automation(data: bytes | None, source: str = AUTOMATION_PATH) -> Automation:
    """Absent file: no targets, nothing tagged, drift at its defaults."""
    if data is None:
        return Automation()
    doc = load_yaml(data, source)
    if doc is None:
        return Automation(source=source)
    if not isinstance(doc, LineDict):
        raise ConfigError(f"{source}:1: the automation config must be a YAML mapping")
    only_keys(doc, TOP_KEYS, source)
    commit_url = str(doc.get("commit_url", ""))
    if commit_url and ("{id}" not in commit_url or not commit_url.startswith("http")):
        raise ConfigError(
            f"{where(source, doc, 'commit_url')}: `commit_url` must be an http(s) URL with {{id}}"
        )
    targets = [_target(t, doc, source) for t in _list(doc, "targets", source)]
    names = [t.name for t in targets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where(source, doc, 'targets')}: target names repeat: {dupes}")
    return Automation(
        targets=tuple(targets),
        protected=tuple(_strings(doc, "protected", source)),
        auto_tag=_auto_tag(doc, source),
        retrain=_retrain(doc, source),
        drift=_drift(doc, source),
        stopped_days=_stopped_days(doc, source),
        commit_url=commit_url,
        source=source,
    )


def _list(node: LineDict, key: str, source: str) -> list[Any]:
    value = node.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{where(source, node, key)}: `{key}` must be a list")
    return value


def _strings(node: LineDict, key: str, source: str) -> list[str]:
    values = _list(node, key, source)
    if not all(isinstance(v, str) and v for v in values):
        raise ConfigError(f"{where(source, node, key)}: `{key}` must be a list of strings")
    return values


def _secret_name(node: LineDict, key: str, source: str) -> str:
    value = node.get(key, "")
    if value and not (isinstance(value, str) and SECRET_NAME.match(value)):
        raise ConfigError(
            f"{where(source, node, key)}: `{key}` names a secret (letters, digits, . _ -)",
            "the value goes in <repo.git>/gitannot/secrets/NAME or GITANNOT_SECRET_NAME",
        )
    return str(value)


TARGET_KEYS = {"name", "kind", "url", "url_secret", "secret", "events", "branches", "tags"}
TARGET_KEYS |= {"to", "from", "smtp", "max_attempts"}


def _target(raw: Any, doc: LineDict, source: str) -> Target:
    if not isinstance(raw, LineDict):
        raise ConfigError(f"{where(source, doc, 'targets')}: each target must be a mapping")
    only_keys(raw, TARGET_KEYS, source)
    name, kind = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not SECRET_NAME.match(name):
        raise ConfigError(f"{where(source, raw)}: a target needs a `name` (letters, digits, -)")
    if kind not in KINDS:
        raise ConfigError(f"{where(source, raw, 'kind')}: `kind` must be one of {KINDS}")
    events = tuple(_event_type(e, raw, source) for e in _strings(raw, "events", source))
    url = str(raw.get("url", ""))
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where(source, raw, 'url')}: `url` must be http(s)://")
    url_secret = _secret_name(raw, "url_secret", source)
    if kind != "email" and not (url or url_secret):
        raise ConfigError(f"{where(source, raw)}: target {name!r} needs `url` or `url_secret`")
    smtp = mapping(raw, "smtp", source)
    only_keys(smtp, {"host", "port", "user", "password_secret", "starttls"}, source)
    to = tuple(_strings(raw, "to", source))
    if kind == "email" and not to:
        raise ConfigError(f"{where(source, raw)}: email target {name!r} needs `to`")
    return Target(
        name=name,
        kind=str(kind),
        url=url,
        url_secret=url_secret,
        secret=_secret_name(raw, "secret", source),
        events=events,
        branches=tuple(_strings(raw, "branches", source)),
        tags=tuple(_strings(raw, "tags", source)),
        to=to,
        sender=str(raw.get("from", "gitannot@localhost")),
        smtp_host=str(smtp.get("host", "localhost")),
        smtp_port=int(number(smtp, "port", 25, source)),
        smtp_user=str(smtp.get("user", "")),
        smtp_password_secret=_secret_name(smtp, "password_secret", source),
        starttls=bool(smtp.get("starttls", False)),
        max_attempts=max(1, int(number(raw, "max_attempts", DEFAULT_MAX_ATTEMPTS, source))),
    )


def _event_type(name: str, node: LineDict, source: str) -> str:
    full = name if name.startswith(T.PREFIX) else T.PREFIX + name
    if full not in T.ALL_TYPES:
        known = ", ".join(sorted(T.short(t) for t in T.ALL_TYPES))
        raise ConfigError(f"{where(source, node, 'events')}: unknown event {name!r}", known)
    return full


def _auto_tag(doc: LineDict, source: str) -> AutoTag:
    node = mapping(doc, "auto_tag", source)
    only_keys(node, {"enabled", "pattern", "branches"}, source)
    pattern = str(node.get("pattern", DEFAULT_TAG_PATTERN))
    if "{n}" not in pattern:
        raise ConfigError(
            f"{where(source, node, 'pattern')}: the tag pattern needs {{n}}",
            "e.g. auto/{date}.{n}: {n} keeps tags of one day apart",
        )
    return AutoTag(
        enabled=node.get("enabled", False) is True,
        pattern=pattern,
        branches=tuple(_strings(node, "branches", source)),
    )


def _retrain(doc: LineDict, source: str) -> Retrain:
    node = mapping(doc, "retrain", source)
    only_keys(node, {"on_release", "every_annotations"}, source)
    return Retrain(
        on_release=node.get("on_release", True) is not False,
        every_annotations=int(number(node, "every_annotations", 0, source)),
    )


def _drift(doc: LineDict, source: str) -> Drift:
    return Drift(**asdict(drift_thresholds(mapping(doc, "drift", source), source)))


def _stopped_days(doc: LineDict, source: str) -> float:
    node = mapping(doc, "digest", source)
    only_keys(node, {"stopped_days"}, source)
    return number(node, "stopped_days", Automation.stopped_days, source)
