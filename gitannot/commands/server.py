"""`gitannot server install|uninstall|doctor|warm`: manage gitannot on a bare repository."""

import argparse
import sys
from pathlib import Path

from gitannot.commands import _server_keys as server_keys
from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.server import doctor, install, metrics_setting, service_config
from gitannot.server.layouts import LAYOUTS
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
        "--python",
        metavar="PATH",
        help="interpreter the hooks run (default: this one); must be usable by the account "
        "that owns the repository",
    )
    p_install.add_argument(
        "--default-branch",
        metavar="BRANCH",
        help="trusted branch holding the policy (default: recorded before, else HEAD's branch "
        "when it exists); HEAD is pointed at it when HEAD's branch does not exist",
    )
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
    p_install.add_argument(
        "--metrics-spool",
        type=Path,
        metavar="DIR",
        help="hooks drop one record per run in DIR for `gitannot server metrics` to serve",
    )
    p_install.add_argument(
        "--metrics-name", metavar="NAME", help="repository label in metrics (default: folder name)"
    )
    p_install.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="plain",
        help="where the hooks go: plain git (hooks/), GitLab Gitaly (custom_hooks/*.d/) "
        "or Gitea/Forgejo (hooks/*.d/)",
    )
    p_install.add_argument(
        "--shared-filesystem",
        action="store_true",
        help="allow a repository on a network filesystem: only one host ever writes it",
    )
    p_metrics = sub.add_parser(
        "metrics",
        help="serve Prometheus metrics gathered from the hooks' spool",
        description="Drain the spool the hooks write (server install --metrics-spool DIR) "
        "and serve the counts on http://HOST:PORT/metrics for Prometheus to scrape.",
    )
    p_metrics.add_argument("--spool", type=Path, required=True, metavar="DIR")
    p_metrics.add_argument("--listen", default="127.0.0.1:9464", metavar="HOST:PORT")
    p_provision = sub.add_parser(
        "provision",
        help="create and install the configured repositories, render sshd's files (containers)",
        description="Make the server match its mounted config and secrets: repositories "
        "from CONFIG (created and installed), the audit key and users from SECRETS, "
        "authorized_keys and sshd_config rendered into STATE; runs doctor on each "
        "repository. With --check only doctor runs (a readiness probe).",
    )
    p_provision.add_argument("--config", type=Path, required=True, metavar="SERVER.YAML")
    p_provision.add_argument("--repos", type=Path, required=True, metavar="DIR")
    p_provision.add_argument("--secrets", type=Path, required=True, metavar="DIR")
    p_provision.add_argument("--state", type=Path, required=True, metavar="DIR")
    p_provision.add_argument("--ssh-port", type=int, default=2222)
    p_provision.add_argument("--ssh-listen", default="0.0.0.0", metavar="ADDRESS")
    p_provision.add_argument("--no-hook-service", action="store_true")
    p_provision.add_argument(
        "--shard", metavar="N", help="serve the repositories of server.yaml's shards[N]"
    )
    p_provision.add_argument("--check", action="store_true", help="only run doctor")
    p_provision.add_argument(
        "--shared-filesystem",
        action="store_true",
        help="the volume may be a network filesystem: this server is its only writer",
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
        "--keep-key", action="store_true", help="(the default) keep the audit signing key"
    )
    p_uninstall.add_argument(
        "--delete-key",
        action="store_true",
        help="also delete the audit signing key (the log's signatures can then not be renewed)",
    )
    p_warm = sub.add_parser(
        "warm",
        help="check the trusted branch's label files now, so pushes reuse the verdicts",
        description="Validate every label file on REPO.git's trusted branch (recorded at "
        "install) under its "
        "rules and store the verdicts (and the record index of big COCO files) in the "
        "hook's cache: a later push of an edited file re-checks only what changed. Run it "
        "after installing on a repository with big label files, or when a first push of "
        "one is rejected for taking longer than hook_timeout_seconds.",
    )
    p_warm.add_argument("repo", type=Path, metavar="REPO.git")
    p_doctor = sub.add_parser(
        "doctor",
        help="exit 1 if any fail-open condition exists",
        description="Check that git will really run gitannot's hooks on REPO.git: hooks "
        "present, executable, non-empty, not dangling, hooksPath sane, interpreter, "
        "bootstrap admins and audit key usable.",
    )
    p_doctor.add_argument("repo", type=Path, metavar="REPO.git")
    server_keys.add_parser(sub)


def run(args: argparse.Namespace) -> int:  # noqa: C901 — one branch per server action
    if args.server_command == "install":
        result = install.install(
            args.repo,
            args.admin,
            init=args.init,
            layout=args.layout,
            shared_filesystem=args.shared_filesystem,
            default_branch=args.default_branch,
            interpreter=args.python,
        )
        if args.metrics_spool is not None:
            result.actions.append(
                metrics_setting.enable(result.git_dir, args.metrics_spool, args.metrics_name)
            )
        if args.service is not None:
            timeout = load_server_config(result.git_dir).hook_timeout_seconds
            result.actions.extend(service_config.enable(result.git_dir, args.service, timeout))
        elif args.no_service:
            result.actions.extend(service_config.disable(result.git_dir))
        for action in result.actions:
            print(f"gitannot: {action}")
        return _doctor(result.git_dir)
    if args.server_command == "uninstall":
        for action in install.uninstall(args.repo, keep_key=not args.delete_key):
            print(f"gitannot: {action}")
        return EXIT_OK
    if args.server_command == "provision":
        return _provision(args)
    if args.server_command == "metrics":
        from gitannot.metrics.service import serve as serve_metrics

        serve_metrics(args.spool, args.listen)
        return EXIT_OK
    if args.server_command == "keys":
        return server_keys.run(args)
    if args.server_command == "serve":
        from gitannot.hookservice.server import serve

        serve(args.socket)
        return EXIT_OK
    if args.server_command == "warm":
        return _warm(args.repo)
    return _doctor(args.repo)


def _provision(args: argparse.Namespace) -> int:
    from gitannot.server import provision

    plan = provision.load_plan(args.config, args.repos, args.secrets, args.state, args.shard)
    plan.ssh_port, plan.ssh_listen = args.ssh_port, args.ssh_listen
    plan.hook_service = not args.no_hook_service
    plan.shared_filesystem = args.shared_filesystem
    if not args.check:
        for action in provision.provision(plan):
            print(f"gitannot: {action}")
    codes = [_doctor(repo) for repo in provision.repositories(plan)]
    return EXIT_DENIED if any(codes) else EXIT_OK


def _warm(repo: Path) -> int:
    from gitannot.validation.warm import warm

    done = warm(repo)
    if done.note:
        print(f"gitannot: {done.note}")
        return EXIT_OK
    print(
        f"gitannot: warmed {done.files} label file(s) on {done.ref} "
        f"({done.already} already cached) in {done.seconds:.1f} s"
    )
    return EXIT_OK


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
