"""Which filesystem holds a repository: install refuses network filesystems by default.

The audit chain needs one writer at a time per repository: a flock on
<repo>/gitannot/audit.lock plus libgit2's compare-and-swap of the ref. Both hold for any
number of processes on one host (tests/deploy/test_two_servers.py). Across hosts on a
network filesystem they hold only if the filesystem's locks and exclusive creates are
coherent between clients and no client serves stale attributes or file contents; that is
not proven here, so a repository on one needs an explicit --shared-filesystem
acknowledgement that only one host writes it (docs/operations.md, "Scale-out").
"""

from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "lustre", "9p", "afs",
     "fuse.sshfs", "fuse.glusterfs", "fuse.cephfs", "fuse.s3fs", "fuse.gcsfuse",
     "fuse.juicefs"}
)  # fmt: skip


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the mount that holds `path` (longest mount point prefix), or None."""
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mountinfo.splitlines():
        before, sep, after = line.partition(" - ")
        fields = before.split()
        if not sep or len(fields) < 5 or not after.split():
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, after.split()[0]
    return best_type


def network_filesystem(path: Path, mountinfo: str | None = None) -> str | None:
    kind = filesystem_type(path, mountinfo)
    return kind if kind in NETWORK_FILESYSTEMS else None
