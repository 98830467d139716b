"""Errors that reach the user as one line (the CLI prints them without a traceback)."""


class InfiniteNatureError(Exception):
    """A problem the user can fix (bad input file, missing weights, ...): exit code 1."""

    exit_code = 1


class UsageError(InfiniteNatureError):
    """A bad command line (unknown flag, bad value): exit code 2."""

    exit_code = 2


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's time limit, ``docker stop``), raised where the
    program is, like Ctrl+C: outputs in progress are removed instead of left half-written
    (exit code 143)."""


def describe_unexpected(error: Exception) -> str:
    """One line for an error the program did not expect (a bug, or the machine's: out of memory):
    its type and the first line of its message."""
    detail = str(error).splitlines()[0] if str(error) else ""
    return f"internal error: {type(error).__name__}: {detail} (rerun with --debug for the traceback)"
