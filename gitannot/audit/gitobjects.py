"""Git objects of the log: notes trees in git's fanout layout and SSH-signed commits.

Only the log's own blobs, trees and commits are created; a note names the pushed commit
by its id as a *path*, so no log object ever references a pushed (possibly quarantined)
object and fsck / connectivity checks never reach into the push.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import sshsig
from gitannot.audit.entry import GIT_NAMESPACE

TREE_MODE = pygit2.enums.FileMode.TREE
BLOB_MODE = pygit2.enums.FileMode.BLOB


def note_path(commit_id: str) -> str:
    """git's one-level fanout (`ab/cdef...`), what `git notes` itself writes once a log
    holds a few hundred notes; git reads any fanout, so using it from the start is safe."""
    return f"{commit_id[:2]}/{commit_id[2:]}"


def read_blob(repo: pygit2.Repository, tree: pygit2.Tree | None, path: str) -> bytes | None:
    if tree is None:
        return None
    try:
        entry = tree[path]
    except KeyError:
        return None
    obj = repo.get(entry.id)
    return obj.data if isinstance(obj, pygit2.Blob) else None


def update_tree(
    repo: pygit2.Repository, tree: pygit2.Tree | None, blobs: Mapping[str, pygit2.Oid]
) -> pygit2.Oid:
    """A new tree = `tree` with each path set to its blob. Only the subtrees on the
    changed paths are rewritten (cost grows with depth, not with the number of notes)."""
    here: dict[str, pygit2.Oid] = {}
    below: dict[str, dict[str, pygit2.Oid]] = {}
    for path, oid in blobs.items():
        head, sep, rest = path.partition("/")
        if sep:
            below.setdefault(head, {})[rest] = oid
        else:
            here[head] = oid
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    for name, oid in here.items():
        builder.insert(name, oid, BLOB_MODE)
    for name, sub in below.items():
        existing = None
        if tree is not None and name in tree:
            obj = repo.get(tree[name].id)
            existing = obj if isinstance(obj, pygit2.Tree) else None
        builder.insert(name, update_tree(repo, existing, sub), TREE_MODE)
    return builder.write()


def create_signed_commit(
    repo: pygit2.Repository,
    key: Ed25519PrivateKey,
    *,
    tree: pygit2.Oid,
    parents: list[str | pygit2.Oid],
    message: str,
    when: int,
) -> pygit2.Oid:
    """A commit with a `gpgsig` header in SSHSIG armor (namespace "git"), so
    `git log --show-signature` verifies it with gpg.ssh.allowedSignersFile."""
    person = pygit2.Signature("gitannot audit", "audit@gitannot.invalid", when, 0)
    # pygit2's stubs say Oid; it returns the raw commit text.
    content = str(repo.create_commit_string(person, person, message, tree, parents))
    signature = sshsig.sign(key, content.encode("utf-8"), GIT_NAMESPACE)
    return repo.create_commit_with_signature(content, signature.rstrip("\n"), "gpgsig")


# path -> (tree id, raw bytes) of the newest tree computed there: verify walks a log
# whose consecutive trees differ in a path or two, so most reads come from here.
TreeCache = dict[str, tuple[str, bytes]]


@dataclass(frozen=True)
class Appended:
    """A note gaining a block: the blob there before (when there is a non-empty one),
    a newline, then `block`; read while the tree is walked, not in a second lookup."""

    block: bytes


def tree_id_with(
    repo: pygit2.Repository,
    tree: pygit2.Tree | str | None,
    blobs: Mapping[str, bytes | Appended],
    cache: TreeCache | None = None,
) -> str:
    """The id `update_tree` would give, computed without writing anything (verify runs
    in read-only clones): only the trees on the changed paths are read, and each is
    re-hashed by splicing the changed entries into its raw bytes."""
    tree_id = tree if isinstance(tree, str) or tree is None else str(tree.id)
    return _tree_id(repo, tree_id, blobs, cache, "")


def blob_at(
    repo: pygit2.Repository, tree_id: str | None, path: str, cache: TreeCache | None = None
) -> bytes | None:
    """The blob at `path` (a fanout note path), read through the raw-tree cache."""
    raw = _raw_tree(repo, tree_id, cache, "")
    where = ""
    *dirs, name = path.split("/")
    for part in dirs:
        found = _find(raw, part.encode(), b"40000")
        if not found[2]:
            return None
        where += part + "/"
        raw = _raw_tree(repo, raw[found[1] - 20 : found[1]].hex(), cache, where)
    found = _find(raw, name.encode(), b"100644")
    if not found[2]:
        return None
    try:
        kind, data = repo.odb.read(raw[found[1] - 20 : found[1]].hex())
    except KeyError:
        return None
    return data if kind == pygit2.enums.ObjectType.BLOB else None


def _tree_id(
    repo: pygit2.Repository,
    tree_id: str | None,
    blobs: Mapping[str, bytes | Appended],
    cache: TreeCache | None,
    where: str,
) -> str:
    raw = _raw_tree(repo, tree_id, cache, where)
    below: dict[str, dict[str, bytes | Appended]] = {}
    for path, content in blobs.items():
        head, sep, rest = path.partition("/")
        if sep:
            below.setdefault(head, {})[rest] = content
            continue
        leaf = head.encode()
        start, end, exists = _find(raw, leaf, b"100644")
        if isinstance(content, Appended):
            old = _blob(repo, raw[end - 20 : end]) if exists else None
            content = (old + b"\n" if old else b"") + content.block
        oid = _object_id(b"blob", content)
        raw = b"".join((raw[:start], b"100644 ", leaf, b"\0", oid, raw[end:]))
    for name, sub in below.items():
        node = name.encode()
        start, end, exists = _find(raw, node, b"40000")
        sub_tree = raw[end - 20 : end].hex() if exists else None
        sub_id = bytes.fromhex(_tree_id(repo, sub_tree, sub, cache, f"{where}{name}/"))
        raw = b"".join((raw[:start], b"40000 ", node, b"\0", sub_id, raw[end:]))
    new_id = _object_id(b"tree", raw).hex()
    if cache is not None:
        cache[where] = (new_id, raw)
    return new_id


def _blob(repo: pygit2.Repository, oid: bytes) -> bytes | None:
    try:
        kind, data = repo.odb.read(oid.hex())
    except KeyError:
        return None
    return data if kind == pygit2.enums.ObjectType.BLOB else None


def _raw_tree(
    repo: pygit2.Repository, tree_id: str | None, cache: TreeCache | None, where: str
) -> bytes:
    if tree_id is None:
        return b""
    if cache is not None:
        hit = cache.get(where)
        if hit is not None and hit[0] == tree_id:
            return hit[1]
    try:
        kind, raw = repo.odb.read(tree_id)
    except KeyError:  # not in this clone: compared as empty, so the id will not match
        return b""
    return raw if kind == pygit2.enums.ObjectType.TREE else b""


def _object_id(kind: bytes, body: bytes) -> bytes:
    digest = hashlib.sha1(kind + b" %d\0" % len(body))
    digest.update(body)  # not concatenated: a root tree is kilobytes, hashed per entry
    return digest.digest()


def _find(raw: bytes, name: bytes, mode: bytes) -> tuple[int, int, bool]:
    """(start, end, exists) of the entry `name` in a raw tree, or where it would go.

    Fast paths for the two shapes a log tree has (an existing bucket in the root; a
    bucket of fixed-width records: notes, or seq/ copies); a wrong guess only makes
    verify fall back to a full diff, since the computed tree id would then not match."""
    if mode == b"40000" and len(name) == 2:
        # The root of a fanout notes tree: 29-byte records 00/ .. ff/ in order, so once
        # every bucket exists, bucket ab/ is record 0xab.
        try:
            at = 29 * int(name, 16)
        except ValueError:
            at = -1
        if at >= 0 and raw[at : at + 9] == b"40000 " + name + b"\0":
            return at, at + 29, True
    needle = b" " + name + b"\0"
    at = raw.find(needle)
    if at >= len(mode) and raw[at - len(mode) : at] == mode:
        return at - len(mode), at + len(needle) + 20, True
    width = len(mode) + len(needle) + 20
    if mode == b"100644" and raw and len(raw) % width == 0 and b"40000 " not in raw:
        # A bucket of same-length names (notes; seq/ copies): binary search, checking
        # that each record probed has that shape (a tree of mixed names whose length
        # happens to divide evenly goes the linear way).
        low, high = 0, len(raw) // width
        end = 7 + len(name)
        while low < high:
            mid = (low + high) // 2
            at = mid * width
            if raw[at : at + 7] != b"100644 " or raw[at + end] != 0:
                return _find_linear(raw, name, mode)
            if raw[at + 7 : at + end] < name:
                low = mid + 1
            else:
                high = mid
        return low * width, low * width, False
    return _find_linear(raw, name, mode)


def _find_linear(raw: bytes, name: bytes, mode: bytes) -> tuple[int, int, bool]:
    # git orders entries by name, a subtree's name compared as if it ended in "/".
    key = name + b"/" if mode == b"40000" else name
    pos = 0
    while pos < len(raw):
        space = raw.index(b" ", pos)
        nul = raw.index(b"\0", space)
        entry_name = raw[space + 1 : nul]
        entry_key = entry_name + b"/" if raw[pos:space] == b"40000" else entry_name
        if entry_name == name or entry_key == key:
            return pos, nul + 21, True
        if entry_key > key:
            return pos, pos, False
        pos = nul + 21
    return pos, pos, False


@dataclass(frozen=True)
class RawCommit:
    """A log commit read from its raw bytes: what verify needs, without pygit2 loading
    the tree and parents behind each attribute."""

    id: str
    tree_id: str
    parent_ids: tuple[str, ...]
    message: str
    raw: bytes


def read_commit(repo: pygit2.Repository, oid: str | pygit2.Oid) -> RawCommit:
    _kind, raw = repo.odb.read(oid)
    return parse_commit(str(oid), raw)


def parse_commit(oid: str, raw: bytes) -> RawCommit:
    head, _, body = raw.partition(b"\n\n")
    tree, parents = "", []
    for line in head.split(b"\n"):  # "replace": a garbled id is reported, not a crash
        if line.startswith(b"tree "):
            tree = line[5:].decode("utf-8", "replace")
        elif line.startswith(b"parent "):
            parents.append(line[7:].decode("utf-8", "replace"))
    return RawCommit(oid, tree, tuple(parents), body.decode("utf-8", "replace"), raw)


_SIGNATURE_END = b"\n -----END SSH SIGNATURE-----\n"


class UsualCommit(NamedTuple):
    """A log commit as the writer writes it (tree line first, one gpgsig header in
    SSHSIG armor), read by slicing the raw bytes."""

    tree_id: str
    parents: int
    armor: bytes  # the gpgsig header, unfolded: BEGIN line ... END line and a newline
    payload: bytes  # what that signature covers: the commit without its gpgsig header
    message: bytes


def usual_commit(raw: bytes) -> UsualCommit | None:
    """None for any other shape; read_commit and split_signature then read it, and
    agree with this wherever it answers (tests/audit/test_fast_paths.py)."""
    head_end = raw.find(b"\n\n")
    if head_end < 0 or raw[:5] != b"tree " or raw[45:46] != b"\n":
        return None
    at = raw.find(b"\ngpgsig ", 0, head_end)
    found = raw.find(_SIGNATURE_END, at, head_end + 1) if at >= 0 else -1
    end = found + len(_SIGNATURE_END) - 1  # the END line's own newline
    if found < 0 or raw[end + 1 : end + 2] == b" " or raw.count(b"\ntree ", 0, head_end):
        return None
    # the header's continuation lines: every line break inside it is followed by a space
    if raw.count(b"\n", at + 1, end) != raw.count(b"\n ", at + 1, end + 1):
        return None
    if raw[5:45].translate(None, b"0123456789abcdef"):  # not 40 hex digits
        return None
    return UsualCommit(
        raw[5:45].decode(),
        raw.count(b"\nparent ", 0, head_end),
        raw[at + 8 : end + 1].replace(b"\n ", b"\n"),
        raw[: at + 1] + raw[end + 1 :],
        raw[head_end + 2 :],
    )


def split_signature(raw: bytes) -> tuple[bytes, bytes] | None:
    """(gpgsig armor, signed payload) of a raw commit, as git verifies it: the payload
    is the commit without its gpgsig header (and the header's continuation lines)."""
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    for at, line in enumerate(lines):
        if line.startswith(b"gpgsig "):
            end = at + 1
            while end < len(lines) and lines[end].startswith(b" "):
                end += 1
            armor = b"\n".join([line[7:], *(x[1:] for x in lines[at + 1 : end])])
            payload = b"\n".join(lines[:at] + lines[end:]) + sep + body
            return armor, payload
    return None
