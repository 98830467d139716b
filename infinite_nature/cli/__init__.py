"""The ``infinite-nature`` command line: one parser, one subcommand module each."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from infinite_nature import __version__
from infinite_nature.cli import bench, demo, evaluate, generate, train, world
from infinite_nature.errors import InfiniteNatureError, UsageError

PROG = "infinite-nature"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors raised as UsageError (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Perpetual view generation: an endless, steerable 3D flythrough from one landscape photo.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    generate.add_parser(subparsers)
    evaluate.add_parser(subparsers)
    demo.add_parser(subparsers)
    train.add_parser(subparsers)
    world.add_parser(subparsers)
    bench.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failed, 2 usage error, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.handler(args) or 0)
    except InfiniteNatureError as error:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # anything unexpected: one line, the traceback only with --debug
        if debug:
            traceback.print_exc()
        detail = str(error).splitlines()[0] if str(error) else ""
        print(
            f"{PROG}: internal error: {type(error).__name__}: {detail} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
