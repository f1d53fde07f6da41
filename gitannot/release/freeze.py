"""Split freeze: once a release fixed the test split, its items stay there."""

from dataclasses import dataclass, field

from gitannot.core.findings import Finding
from gitannot.core.manifest import ManifestEntry
from gitannot.release.policy import ReleasePolicy


@dataclass
class Frozen:
    items: dict[str, str] = field(default_factory=dict)  # item id -> sha256
    split_of: dict[str, str] = field(default_factory=dict)  # item id -> frozen split
    release_of: dict[str, str] = field(default_factory=dict)  # item id -> first release tag

    def add(self, tag: str, rows: list[dict[str, str]]) -> None:
        for row in rows:
            ident = row["id"]
            if ident not in self.items:
                self.items[ident] = row["sha256"]
                self.split_of[ident] = row["split"]
                self.release_of[ident] = tag

    def by_hash(self) -> dict[str, str]:
        return {sha: ident for ident, sha in self.items.items()}


def freeze_findings(
    entries: list[ManifestEntry], frozen: Frozen, policy: ReleasePolicy
) -> list[Finding]:
    hashes = frozen.by_hash()
    out = []
    for entry in entries:
        if entry.split in policy.frozen_splits:
            continue
        if entry.id in frozen.items:
            was = frozen.split_of[entry.id]
            out.append(
                _finding(
                    "release.frozen-split-moved",
                    entry,
                    f"item {entry.id!r} was in {was} at release {frozen.release_of[entry.id]}"
                    f" and may not move to {entry.split}",
                )
            )
        elif entry.sha256 in hashes:
            first = hashes[entry.sha256]
            out.append(
                _finding(
                    "release.frozen-split-copy",
                    entry,
                    f"item {entry.id!r} ({entry.split}) is an exact copy (same sha256) of "
                    f"{first!r}, frozen in {frozen.split_of[first]} at release "
                    f"{frozen.release_of[first]}",
                )
            )
    return out


def _finding(rule: str, entry: ManifestEntry, message: str) -> Finding:
    return Finding(
        rule=rule,
        path=entry.path,
        item=entry.id,
        message=f"line {entry.line}: {message}",
        hint="a released test item stays in its split; that is what keeps results comparable",
    )
