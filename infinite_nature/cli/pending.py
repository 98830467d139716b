"""Subcommands that are declared but not built yet: each says so, and where it is tracked."""

from __future__ import annotations

import argparse

from infinite_nature.errors import InfiniteNatureError

PENDING = {
    "demo": ("interactive flight in the browser", "issue #7"),
}


def _not_yet(args: argparse.Namespace) -> int:
    summary, tracker = PENDING[args.command]
    raise InfiniteNatureError(f"'{args.command}' ({summary}) is not available in this version yet; see {tracker}")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    for name, (summary, tracker) in PENDING.items():
        parser = subparsers.add_parser(
            name, help=f"{summary} [not available yet]", description=f"{summary}. Not available yet ({tracker})."
        )
        parser.set_defaults(handler=_not_yet)
