"""A demo server on tiny weights at 64 px, and helpers to read what it sends."""

import json
import struct
import time

import pytest
import torch
from starlette.testclient import TestClient

from infinite_nature.demo.config import DemoConfig
from infinite_nature.demo.server import FlightServer, Source, create_app
from infinite_nature.demo.session import FlightEngine


@pytest.fixture(scope="module")
def tiny_engine(tiny_weights):
    return FlightEngine(DemoConfig(size=64, weights=str(tiny_weights)), torch.device("cpu"))


@pytest.fixture
def make_server(tiny_engine):
    """``make_server(**settings)`` -> (FlightServer, TestClient); both closed after the test."""
    made = []

    def make(**settings):
        config = DemoConfig(size=64, weights=tiny_engine.config.weights, **settings)
        tiny_engine.config = config
        server = FlightServer(config, tiny_engine, Source(tiny_engine.from_world(3), "world"))
        client = TestClient(create_app(server), base_url="http://127.0.0.1")
        made.append((server, client))
        return server, client

    yield make
    for server, client in made:
        client.close()
        server.close()


def split_frame(data: bytes) -> tuple[dict, bytes]:
    """A frame message -> (metadata, JPEG bytes)."""
    (length,) = struct.unpack(">I", data[:4])
    return json.loads(data[4 : 4 + length]), data[4 + length :]


def next_message(ws) -> dict:
    """The next message; frames are acked and returned as {"type": "frame", ..., "jpeg": bytes}."""
    message = ws.receive()
    if message.get("bytes") is not None:
        meta, jpeg = split_frame(message["bytes"])
        ws.send_json({"type": "ack", "frame": meta["number"]})
        return {**meta, "jpeg": jpeg}
    if message.get("text") is not None:
        return json.loads(message["text"])
    return {"type": "closed", "code": message.get("code")}


def wait_for(ws, predicate, limit: int = 200) -> dict:
    for _ in range(limit):
        message = next_message(ws)
        if predicate(message):
            return message
        assert message["type"] != "closed", "the server closed the flight"
    raise AssertionError("no matching message")


def wait_until_freed(client, seconds: float = 20.0) -> None:
    """Closing a socket frees its flight asynchronously: wait until the server shows none."""
    deadline = time.monotonic() + seconds
    while client.get("/api/info").json()["active_flights"]:
        assert time.monotonic() < deadline, "the flight was not freed"
        time.sleep(0.05)
