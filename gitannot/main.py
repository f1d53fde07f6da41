"""Command-line entry point: parse, dispatch, map errors to exit codes.

Every module in gitannot/commands/ is a subcommand. It defines NAME, HELP,
`add_arguments(parser)` and `run(args) -> int`; HIDDEN = True keeps it out of --help
(the hook entry points).
"""

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from gitannot import __version__, commands
from gitannot.constants import EXIT_INTERNAL, EXIT_USAGE
from gitannot.errors import GitannotError


def command_module_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    )


def command_modules(only: str | None = None) -> list[ModuleType]:
    """All command modules, or just the one whose file is `only` (e.g. "merge_driver").

    Importing one module instead of all matters: git starts the merge driver once per
    file and the hooks once per push, and every command pulls in its own dependencies.
    """
    names = [only] if only else command_module_names()
    modules = [importlib.import_module(f"{commands.__name__}.{name}") for name in names]
    return sorted(modules, key=lambda m: str(m.NAME))


def _requested_module(argv: Sequence[str]) -> str | None:
    """The module for argv's command word, when it is one (no module is imported here)."""
    words = [arg for arg in argv if not arg.startswith("-")]
    if not words or argv[0].startswith("-"):
        return None
    name = words[0].replace("-", "_")
    return name if name in command_module_names() else None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"gitannot: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gitannot",
        description="Git server enforcement, annotation-aware merges and a signed audit log "
        "for machine-learning labeling projects.",
    )
    parser.add_argument("--version", action="version", version=f"gitannot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in command_modules(only):
        kwargs = {} if getattr(module, "HIDDEN", False) else {"help": module.HELP}
        cmd = sub.add_parser(module.NAME, description=module.HELP, **kwargs)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested_module(argv))
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args._run(args))
    except GitannotError as exc:
        sys.stderr.write(f"gitannot: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {exc.hint}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        sys.stderr.write(f"gitannot: internal error: {type(exc).__name__}: {exc}\n")
        sys.stderr.write("hint: this is a bug; rerun with GITANNOT_DEBUG=1 for a traceback\n")
        if _debug():
            raise
        return EXIT_INTERNAL


def console_main() -> None:
    raise SystemExit(main())


def _debug() -> bool:
    import os

    return bool(os.environ.get("GITANNOT_DEBUG"))
