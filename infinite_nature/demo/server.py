"""The demo's web server: the page, one WebSocket flight per tab, and recorded videos.

Each tab's flight runs its steps on its own worker thread, so the event loop (and every
other tab) stays responsive while a network runs. Frames go out as one binary message
each: a 4-byte big-endian length, the frame's JSON metadata, then the JPEG. The page acks
each frame; at most one frame is in flight to a page, so a slow page gets fewer frames
rather than a growing queue, and key presses show up within about one step.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from infinite_nature import __version__
from infinite_nature.demo.config import DEFAULT_WORLD, DemoConfig, is_loopback
from infinite_nature.demo.protocol import Command, ProtocolError, parse_command
from infinite_nature.demo.session import FlightEngine, FlightSession
from infinite_nature.errors import InfiniteNatureError
from infinite_nature.generate.inputs import FirstFrame

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
TOKEN = re.compile(r"[0-9a-f]{32}")
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_INTERNAL_ERROR = 1011
ACK_TIMEOUT_S = 30.0  # a page that acks nothing for this long is treated as gone


@dataclass
class Source:
    """What a new flight starts from (the command line's --image or --world)."""

    first: FirstFrame
    kind: str  # "photo" or "world"


class FlightServer:
    """Shared state: the engine, the start source, and the live flights (which own their recordings)."""

    def __init__(self, config: DemoConfig, engine: FlightEngine, source: Source) -> None:
        self.config, self.engine, self.source = config, engine, source
        self.folder = Path(tempfile.mkdtemp(prefix="infinite-nature-demo-"))
        self.flights: dict[str, FlightSession | None] = {}  # None while a flight is being built
        self.flights_started = 0

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def info(self, request: Request) -> JSONResponse:
        config = self.config
        return JSONResponse({
            "version": __version__, "size": config.size, "max_flights": config.max_flights,
            "active_flights": len(self.flights), "max_upload_bytes": config.max_upload_bytes,
            "max_upload_pixels": config.max_upload_pixels, "idle_seconds": config.idle_minutes * 60,
            "source": self.source.first.name,
        })

    def _recording_path(self, token: str) -> Path | None:
        """A live flight's finished recording by its token (gone with its flight)."""
        if not TOKEN.fullmatch(token):
            return None
        for session in list(self.flights.values()):
            path = None if session is None else session.recordings.get(token)
            if path is not None:
                return path
        return None

    def recording(self, request: Request) -> Response:
        path = self._recording_path(request.path_params["token"])
        if path is None or not path.is_file():
            return JSONResponse({"error": "no such recording (recordings last as long as their flight's page)"}, 404)
        return FileResponse(path, media_type="video/mp4", filename="infinite-nature-flight.mp4")

    async def flight(self, websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] != websocket.headers.get("host"):
            logger.warning("refused a WebSocket from origin %s (host %s)", origin, websocket.headers.get("host"))
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if len(self.flights) >= self.config.max_flights:
            await websocket.send_text(json.dumps({"type": "busy", "message": (
                f"The server is busy: {self.config.max_flights} flight(s) already running. Try again in a while.")}))
            await websocket.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        self.flights_started += 1
        name = f"flight-{self.flights_started}"
        self.flights[name] = None  # hold the slot while the flight is built
        try:
            await FlightConnection(self, websocket, name).run()
        finally:
            self.flights.pop(name, None)


class FlightConnection:
    """One tab: reads its commands, runs its flight on a worker thread, sends its frames."""

    def __init__(self, server: FlightServer, websocket: WebSocket, name: str) -> None:
        self.server, self.websocket, self.name = server, websocket, name
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.session: FlightSession | None = None
        self.sent = -1  # number of the last frame sent
        self.acked = -1
        self.acked_event = asyncio.Event()
        self.wake = asyncio.Event()
        self.step_requested = True
        self.last_input = time.monotonic()
        self.upload_name = "upload"
        self.background: set[asyncio.Task] = set()

    def _run(self, function, *args) -> asyncio.Future:
        """Queue work on this flight's thread (in order) and return its future."""
        return asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def _send(self, kind: str, **values: object) -> None:
        await self._send_message({"type": kind, **values})

    async def _send_message(self, message: dict) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self.websocket.send_text(json.dumps(message))

    async def run(self) -> None:
        server = self.server
        try:
            self.session = await self._run(FlightSession, server.engine, server.source.first, server.folder, server.source.kind)
            server.flights[self.name] = self.session
            await self._send("hello", flight=self.name, source=self.session.source, idle_seconds=server.config.idle_minutes * 60,
                             max_upload_bytes=server.config.max_upload_bytes, speed=self.session.pilot.speed)
            tasks = [asyncio.create_task(job()) for job in (self._receive, self._frames, self._idle_watch)]
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in done:
                if task.exception() is not None and not isinstance(task.exception(), WebSocketDisconnect):
                    raise task.exception()  # type: ignore[misc]
        except Exception as error:  # a crashed flight: tell its page, keep serving the others
            logger.exception("%s crashed", self.name)
            await self._send("error", fatal=True, message=f"The flight stopped: {type(error).__name__}: {error}")
            with contextlib.suppress(Exception):
                await self.websocket.close(code=CLOSE_INTERNAL_ERROR)
        finally:  # no awaits here: the handler may be being cancelled
            for task in list(self.background):
                task.cancel()
            if self.session is not None:
                self.executor.submit(self.session.close)  # runs after the step in progress, deletes the files
            self.executor.shutdown(wait=False)

    def _spawn(self, coroutine) -> None:
        """Run a coroutine alongside the loops, keeping a reference until it ends."""
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _receive(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                self._handle_upload(message["bytes"])
            elif message.get("text") is not None:
                try:
                    command = parse_command(message["text"])
                except ProtocolError as error:
                    logger.warning("%s: ignored a malformed message: %s", self.name, error)
                    continue
                self._handle(command)

    def _handle(self, command: Command) -> None:
        if command.type == "ack":
            self.acked = max(self.acked, command.values["frame"])
            self.acked_event.set()
            return
        if command.type == "ping":
            return
        self.last_input = time.monotonic()
        if command.type == "upload":
            self.upload_name = command.values["name"]
            return
        future = None if command.type == "step" else self._run(self.session.apply, command)  # type: ignore[union-attr]
        self._spawn(self._finish(future, redraw=command.type in ("step", "restart", "world", "pause")))

    async def _finish(self, future: asyncio.Future | None, redraw: bool) -> None:
        """Send a queued command's reply (or error) when its turn on the flight's thread is done;
        the command was queued as it arrived, so commands keep their order. ``redraw``: a paused
        flight shows one frame afterwards (the new source, the next step, the held frame)."""
        try:
            reply = await future if future is not None else None
        except InfiniteNatureError as error:
            await self._send("error", fatal=False, message=str(error))
            return
        except Exception as error:
            logger.exception("%s: a command failed", self.name)
            await self._send("error", fatal=True, message=f"The flight stopped: {type(error).__name__}: {error}")
            with contextlib.suppress(Exception):
                await self.websocket.close(code=CLOSE_INTERNAL_ERROR)
            return
        if reply is not None:
            await self._send_message(reply)
        if redraw:
            self.step_requested = True
        self.wake.set()

    def _handle_upload(self, data: bytes) -> None:
        self.last_input = time.monotonic()
        name, self.upload_name = self.upload_name, "upload"
        future = self._run(self.session.upload, data, name)  # type: ignore[union-attr]
        self._spawn(self._upload_reply(future, name))

    async def _upload_reply(self, future: asyncio.Future, name: str) -> None:
        await self._send("status", message=f"Reading {name} and estimating its depth ...")
        await self._finish(future, redraw=True)

    async def _frames(self) -> None:
        interval = 1.0 / self.server.config.max_fps
        session = self.session
        assert session is not None
        while True:
            if session.paused and not self.step_requested:
                self.wake.clear()
                await self.wake.wait()
                continue
            self.step_requested = False
            started = time.monotonic()
            jpeg, meta, notice = await self._run(session.advance)
            if notice is not None:
                await self._send_message(notice)
            while self.acked < self.sent:  # at most one unacknowledged frame
                self.acked_event.clear()
                try:
                    await asyncio.wait_for(self.acked_event.wait(), ACK_TIMEOUT_S)
                except asyncio.TimeoutError:
                    logger.warning("%s: the page acknowledged no frame for %.0f s; closing", self.name, ACK_TIMEOUT_S)
                    return
            self.sent += 1
            header = json.dumps({**meta, "number": self.sent}).encode()
            await self.websocket.send_bytes(struct.pack(">I", len(header)) + header + jpeg)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    async def _idle_watch(self) -> None:
        limit = self.server.config.idle_minutes * 60
        while True:
            left = limit - (time.monotonic() - self.last_input)
            if left <= 0:
                await self._send("idle", message=f"This flight was freed after {self.server.config.idle_minutes:g} "
                                 "minutes without input. Reload the page to fly again.")
                await self.websocket.close()
                return
            await asyncio.sleep(min(left, 5.0))


def build_server(config: DemoConfig, device: torch.device, image: Path | None = None,
                 world: int = DEFAULT_WORLD) -> FlightServer:
    """Load the networks and the start source (the photo if given, else the world) for a server."""
    engine = FlightEngine(config, device)
    source = Source(engine.from_file(image), "photo") if image is not None else Source(engine.from_world(world), "world")
    return FlightServer(config, engine, source)


def create_app(server: FlightServer) -> Starlette:
    """The ASGI app: page, static files, info, recordings, and the flight WebSocket."""
    config = server.config
    hosts = ["*"] if not is_loopback(config.host) else ["127.0.0.1", "localhost", "[::1]"]
    return Starlette(
        routes=[
            Route("/", lambda request: FileResponse(STATIC / "index.html")),
            Route("/api/info", server.info),
            Route("/recordings/{token}.mp4", server.recording),
            WebSocketRoute("/ws", server.flight),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
    )


def uvicorn_config(app: Starlette, config: DemoConfig) -> uvicorn.Config:
    return uvicorn.Config(app, host=config.host, port=config.port, ws="websockets-sansio", log_level="warning",
                          ws_max_size=2 * config.max_upload_bytes + 65536, lifespan="on")


def bound_url(server: uvicorn.Server, host: str) -> str:
    """The page's address once the server listens (the real port when --port 0)."""
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/"


@dataclass
class RunningServer:
    url: str
    thread: threading.Thread

    def wait(self) -> None:
        """Block until the server stops (Ctrl+C reaches the caller as KeyboardInterrupt)."""
        while self.thread.is_alive():
            self.thread.join(timeout=0.5)


@contextlib.contextmanager
def serve_in_thread(app: Starlette, config: DemoConfig) -> Iterator[RunningServer]:
    """Run the server on a background thread; stops it on leaving the block."""
    server = uvicorn.Server(uvicorn_config(app, config))
    thread = threading.Thread(target=server.run, daemon=True, name="demo-server")
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise InfiniteNatureError(
                f"could not listen on {config.host}:{config.port} (in use, or not an address of this machine?)")
        time.sleep(0.05)
    try:
        yield RunningServer(bound_url(server, config.host), thread)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
