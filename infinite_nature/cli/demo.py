"""``infinite-nature demo``: the interactive flight in the browser."""

from __future__ import annotations

import argparse
import os
import sys
import webbrowser
from pathlib import Path

from infinite_nature.cli.arguments import non_negative_int
from infinite_nature.config import add_arguments, from_namespace
from infinite_nature.device import resolve_device, threads_beside_a_server


def _open_browser(url: str) -> None:
    """Open the page in a graphical browser when there is a desktop; never start a text-mode
    browser in this terminal (what Python's webbrowser falls back to on a headless machine)."""
    desktop = sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not desktop:
        return
    try:
        webbrowser.get()
    except webbrowser.Error:
        return
    webbrowser.open(url)


def _run(args: argparse.Namespace) -> int:
    from infinite_nature.demo.config import DemoConfig, is_loopback

    config = from_namespace(DemoConfig, args)
    config.validate()
    if not is_loopback(config.host):
        print(f"warning: binding {config.host} makes the demo reachable from other machines; "
              "it has no login, so anyone who can reach it can use this machine's CPU/GPU", file=sys.stderr)
    device = resolve_device(config.device)
    threads_beside_a_server(config.threads, device)

    from infinite_nature.demo.server import build_server, create_app, serve_in_thread

    server = build_server(config, device, None if args.image is None else Path(args.image), args.world)
    try:
        with serve_in_thread(create_app(server), config) as running:
            print(f"infinite-nature demo: flying {server.source.first.name} at {running.url} (Ctrl+C stops)", flush=True)
            if not args.no_browser:
                _open_browser(running.url)
            running.wait()
    except KeyboardInterrupt:
        print("infinite-nature demo: stopped", flush=True)
    finally:
        server.close()
    return 0


def add_parser(subparsers: argparse._SubParsersAction, summary: str) -> None:
    from infinite_nature.demo.config import DEFAULT_WORLD, DemoConfig

    parser = subparsers.add_parser(
        "demo",
        help=summary,
        description="Start a local web app that flies live from a photo or a procedural world: steer with the "
        "keyboard or mouse, toggle the auto-pilot, upload photos, record and download the flight as mp4.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--image", help="photo to start every new flight from (default: a procedural world)")
    source.add_argument("--world", type=non_negative_int, default=DEFAULT_WORLD,
                        help=f"procedural world seed to start from (default: {DEFAULT_WORLD})")
    add_arguments(parser, DemoConfig)
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    parser.set_defaults(handler=_run)
