"""What the sync reads from the tool, as plain values (no SDK types past the client)."""

from dataclasses import dataclass, field
from typing import Any, Final

# The task data field that holds the item's stable key (the manifest id): how a re-run
# finds the task it made before, whatever id the tool gave it.
KEY_FIELD: Final = "gitannot_item"
IMAGE_FIELD: Final = "image"  # `$image` in the exported config


@dataclass(frozen=True)
class ToolAnnotation:
    id: int
    user: str  # the Label Studio user who made it (e-mail), "" when unknown
    result: list[dict[str, Any]]
    updated_at: str = ""


@dataclass
class ToolTask:
    id: int
    data: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    annotations: list[ToolAnnotation] = field(default_factory=list)

    @property
    def key(self) -> str | None:
        value = self.data.get(KEY_FIELD)
        return value if isinstance(value, str) and value else None
