"""The ``infinite-nature`` command line: one parser, one subcommand module each.

Only the subcommand that runs is imported (with torch and the networks behind it), so
``infinite-nature --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence

from infinite_nature import __version__
from infinite_nature.errors import InfiniteNatureError, Terminated, UsageError, describe_unexpected

PROG = "infinite-nature"
# libraries that print their log records with a handler of their own: passed on to ours as
# well, each record showed twice (huggingface_hub's retries of an offline download)
SELF_PRINTING_LOGGERS = ("huggingface_hub",)

# command -> (its module, with ``add_parser(subparsers, summary)``; the one-line summary)
COMMANDS = {
    "generate": ("infinite_nature.cli.generate", "turn photos (or the built-in example) into flythrough videos"),
    "eval": ("infinite_nature.cli.evaluate", "quality against ground truth and drift over long flights"),
    "demo": ("infinite_nature.cli.demo", "interactive flight in the browser"),
    "train": ("infinite_nature.cli.train", "train the depth, refinement and sky networks"),
    "world": ("infinite_nature.cli.world", "render procedural nature worlds (and export training data)"),
    "bench": ("infinite_nature.cli.bench", "print speed figures"),
}


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` while the command runs (the main thread's handler; the
    previous one is put back after, so a program that calls ``main`` keeps its own)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors raised as UsageError (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser for ``command``; the other subcommands only show their summary."""
    parser = _Parser(
        prog=PROG,
        description="Perpetual view generation: an endless, steerable 3D flythrough from one landscape photo.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, summary) in COMMANDS.items():
        if name == command:
            importlib.import_module(module).add_parser(subparsers, summary)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failed, 2 usage error, 130 interrupted,
    143 terminated)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    for name in SELF_PRINTING_LOGGERS:
        logging.getLogger(name).propagate = False
    parser = build_parser(_command_in(argv))
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        with _sigterm_raises():
            return int(args.handler(args) or 0)
    except InfiniteNatureError as error:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Terminated:
        print(f"{PROG}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # anything unexpected: one line, the traceback only with --debug
        if debug:
            traceback.print_exc()
        print(f"{PROG}: {describe_unexpected(error)}", file=sys.stderr)
        return 1
