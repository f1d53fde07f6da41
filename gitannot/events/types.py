"""The event types gitannot emits, and the CloudEvents 1.0 envelope they travel in."""

from dataclasses import dataclass
from typing import Any, Final

PREFIX: Final = "dev.gitannot."
PUSH: Final = PREFIX + "push"
MERGE: Final = PREFIX + "merge"  # a merge commit lands on a protected branch
TAG: Final = PREFIX + "tag"
RELEASE: Final = PREFIX + "release"
SCHEMA_CHANGE: Final = PREFIX + "schema.changed"
VALIDATION_WARNINGS: Final = PREFIX + "validation.warnings"
DRIFT: Final = PREFIX + "drift"
AUTO_TAG: Final = PREFIX + "tag.auto"
RETRAIN: Final = PREFIX + "retrain.requested"
PING: Final = PREFIX + "ping"
DIGEST: Final = PREFIX + "digest"  # sent by `gitannot notify digest --send`, not queued
# Task moves and review verdicts: made by gitannot.oversight.wfevents (above the workflow)
# in the push's post-receive append; releases by the release package through the outbox.
TASK_STATE: Final = PREFIX + "task.state"
REVIEW_VERDICT: Final = PREFIX + "review.verdict"

ALL_TYPES: Final = frozenset(
    {PUSH, MERGE, TAG, RELEASE, SCHEMA_CHANGE, VALIDATION_WARNINGS, DRIFT, AUTO_TAG}
    | {RETRAIN, PING, DIGEST, TASK_STATE, REVIEW_VERDICT}
)


def short(event_type: str) -> str:
    """ "dev.gitannot.push" -> "push": the name configs/automation.yaml uses."""
    return event_type.removeprefix(PREFIX)


@dataclass(frozen=True)
class Event:
    """One outbox record. `seq` orders the events of one repository, gap-free."""

    seq: int
    id: str  # unique: "<repo id>-<seq>"
    type: str
    source: str  # "gitannot://<repository name>"
    subject: str  # the ref (or task id, release name) the event is about
    time: str  # RFC 3339, UTC, set by the server
    data: dict[str, Any]

    def to_record(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "time": self.time,
            "data": self.data,
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> "Event":
        return cls(
            seq=int(raw["seq"]),
            id=str(raw["id"]),
            type=str(raw["type"]),
            source=str(raw["source"]),
            subject=str(raw.get("subject", "")),
            time=str(raw["time"]),
            data=dict(raw.get("data") or {}),
        )

    def cloudevent(self) -> dict[str, Any]:
        """Structured-mode CloudEvents 1.0 JSON (specversion, id, source, type required)."""
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "gitannotseq": self.seq,
            "data": self.data,
        }
