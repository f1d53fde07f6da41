"""`gitannot server install|uninstall|doctor`: manage gitannot on a bare repository."""

import argparse
import sys
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.server import doctor, install, service_config
from gitannot.settings.server import load_server_config

NAME = "server"
HELP = "install, check or remove gitannot on a bare server repository"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    p_install = sub.add_parser(
        "install",
        help="install hooks, bootstrap admins and the audit key (safe to re-run)",
        description="Install gitannot's hooks on REPO.git, record the bootstrap admins, "
        "generate the audit signing key and set receive.* config; runs doctor at the end.",
    )
    p_install.add_argument("repo", type=Path, metavar="REPO.git")
    p_install.add_argument("--init", action="store_true", help="create the bare repository")
    p_install.add_argument(
        "--admin", action="append", default=[], metavar="NAME", help="bootstrap admin (repeat)"
    )
    service = p_install.add_mutually_exclusive_group()
    service.add_argument(
        "--service",
        type=Path,
        metavar="SOCKET",
        help="hand hook runs to `gitannot server serve --socket SOCKET` (in-process if it is down)",
    )
    service.add_argument(
        "--no-service", action="store_true", help="run hooks in-process again (the default)"
    )
    p_serve = sub.add_parser(
        "serve",
        help="run the resident hook service (saves each push the start-up cost)",
        description="Import everything a hook needs once, then answer hook runs on SOCKET, "
        "each in a forked child with the pusher's environment: same checks, same decisions "
        "as in-process. Run it as the account that owns the repositories, under a "
        "supervisor; repositories use it after `server install REPO.git --service SOCKET`.",
    )
    p_serve.add_argument("--socket", type=Path, required=True, metavar="SOCKET")
    p_uninstall = sub.add_parser(
        "uninstall",
        help="remove what install added and restore the repo's config",
        description="Remove gitannot's hooks and server files, restore receive.* config.",
    )
    p_uninstall.add_argument("repo", type=Path, metavar="REPO.git")
    p_uninstall.add_argument(
        "--keep-key", action="store_true", help="keep the audit signing key in REPO.git/gitannot/"
    )
    p_doctor = sub.add_parser(
        "doctor",
        help="exit 1 if any fail-open condition exists",
        description="Check that git will really run gitannot's hooks on REPO.git: hooks "
        "present, executable, non-empty, not dangling, hooksPath sane, interpreter, "
        "bootstrap admins and audit key usable.",
    )
    p_doctor.add_argument("repo", type=Path, metavar="REPO.git")


def run(args: argparse.Namespace) -> int:
    if args.server_command == "install":
        result = install.install(args.repo, args.admin, init=args.init)
        if args.service is not None:
            timeout = load_server_config(result.git_dir).hook_timeout_seconds
            result.actions.extend(service_config.enable(result.git_dir, args.service, timeout))
        elif args.no_service:
            result.actions.extend(service_config.disable(result.git_dir))
        for action in result.actions:
            print(f"gitannot: {action}")
        return _doctor(result.git_dir)
    if args.server_command == "uninstall":
        for action in install.uninstall(args.repo, keep_key=args.keep_key):
            print(f"gitannot: {action}")
        return EXIT_OK
    if args.server_command == "serve":
        from gitannot.hookservice.server import serve

        serve(args.socket)
        return EXIT_OK
    return _doctor(args.repo)


def _doctor(repo: Path) -> int:
    problems = doctor.diagnose(repo)
    for problem in problems:
        sys.stderr.write(
            f"doctor: FAIL [{problem.check}] {problem.message}\n  fix: {problem.fix}\n"
        )
    if problems:
        sys.stderr.write(f"doctor: {len(problems)} problem(s): pushes may not be checked\n")
        return EXIT_DENIED
    print(f"doctor: ok: {repo.resolve()} runs gitannot on every push")
    return EXIT_OK
