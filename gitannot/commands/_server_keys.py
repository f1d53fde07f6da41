"""`gitannot server keys add|list`: manage the git account's authorized_keys lines."""

import argparse
from pathlib import Path

from gitannot.constants import EXIT_OK
from gitannot.server import authorized_keys


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p_keys = sub.add_parser(
        "keys",
        help="add or list SSH keys pinned to gitannot users (authorized_keys lines)",
        description="Write authorized_keys lines whose forced command sets the pusher's "
        "identity. For an account whose login shell is git-shell the line runs "
        "~/git-shell-commands/gitannot-shell (written too); otherwise `env GITANNOT_USER=...`.",
    )
    keys_sub = p_keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p_add = keys_sub.add_parser("add", help="pin KEYFILE (a .pub file) to USER")
    p_add.add_argument("user", metavar="USER")
    p_add.add_argument("keyfile", type=Path, metavar="KEYFILE")
    p_list = keys_sub.add_parser("list", help="list the lines with users and fingerprints")
    for parser in (p_add, p_list):
        parser.add_argument(
            "--account", metavar="NAME", help="the git account (default: the current one)"
        )
        parser.add_argument(
            "--authorized-keys",
            type=Path,
            metavar="FILE",
            help="default: ~ACCOUNT/.ssh/authorized_keys",
        )


def run(args: argparse.Namespace) -> int:
    tgt = authorized_keys.target(args.account, args.authorized_keys)
    if args.keys_command == "add":
        for action in authorized_keys.add(tgt, args.user, args.keyfile):
            print(f"gitannot: {action}")
        return EXIT_OK
    listed = authorized_keys.list_keys(tgt.authorized_keys)
    for item in listed:
        print(f"{item.user}\t{item.fingerprint}\t{item.key_type}\t{item.kind}")
    if not listed:
        print(f"no keys in {tgt.authorized_keys}")
    return EXIT_OK
