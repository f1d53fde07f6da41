"""Typed errors. Each carries a message and a hint; `main` maps them to exit codes."""

from gitannot.constants import EXIT_DENIED, EXIT_INTERNAL, EXIT_USAGE


class GitannotError(Exception):
    """An expected failure with a message for the user and a hint to fix it."""

    exit_code = EXIT_DENIED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(GitannotError):
    """The command line was wrong."""

    exit_code = EXIT_USAGE


class ConfigError(GitannotError):
    """A config, policy or schema file cannot be read; callers fail closed."""

    exit_code = EXIT_DENIED


class GitCommandError(GitannotError):
    """A git subprocess failed; the message shows the command, exit code and output."""

    exit_code = EXIT_INTERNAL

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        output = (stderr or stdout).strip()
        super().__init__(
            f"git command failed ({returncode}): {' '.join(args)}"
            + (f"\n{output}" if output else ""),
            "run the command by hand in the repository to see the full error",
        )
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class InternalError(GitannotError):
    """A bug or an environment failure that is not the user's input."""

    exit_code = EXIT_INTERNAL
