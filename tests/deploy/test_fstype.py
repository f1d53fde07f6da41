"""Which filesystem holds a repository, read from mountinfo (the format the kernel writes)."""

from pathlib import Path

from gitannot.server.fstype import filesystem_type, network_filesystem

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 27 8:2 / /srv rw,relatime shared:5 - xfs /dev/sda2 rw
36 30 0:44 / /srv/git rw,relatime shared:9 - nfs4 files.example:/export/git rw,vers=4.2
37 27 0:45 / /mnt/with\\040space rw - cifs //nas/share rw
"""


def test_longest_mount_point_decides() -> None:
    assert network_filesystem(Path("/srv/git/labels.git"), MOUNTINFO) == "nfs4"
    assert network_filesystem(Path("/srv/git"), MOUNTINFO) == "nfs4"
    assert filesystem_type(Path("/srv/gitx/labels.git"), MOUNTINFO) == "xfs"
    assert network_filesystem(Path("/srv/gitx/labels.git"), MOUNTINFO) is None
    assert filesystem_type(Path("/home/git/labels.git"), MOUNTINFO) == "ext4"
    assert network_filesystem(Path("/mnt/with space/r.git"), MOUNTINFO) == "cifs"


def test_this_machine_test_folder_is_local(tmp_path: Path) -> None:
    assert filesystem_type(tmp_path) is not None
    assert network_filesystem(tmp_path) is None
