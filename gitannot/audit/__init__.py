"""The signed, hash-chained, append-only audit log kept on refs/notes/audit.

Layers: `entry` and `sshsig` are pure (bytes in, bytes out); `notestree` and
`signedcommit` write git objects; `writer` appends under a lock with a ref
compare-and-swap; `reader`, `verify`, `export`, `checkpoint` and `rotate` build on them.
"""
