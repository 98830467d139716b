"""One flight as the server drives it: frames, steering, sources, recordings, bad uploads."""

import io

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
import torch
from PIL import Image

from infinite_nature.demo.config import DemoConfig
from infinite_nature.demo.protocol import Command
from infinite_nature.demo.session import FlightEngine, FlightSession
from infinite_nature.errors import InfiniteNatureError


@pytest.fixture(scope="module")
def engine(tiny_weights):
    return FlightEngine(DemoConfig(size=64, weights=str(tiny_weights), max_record_frames=6), torch.device("cpu"))


@pytest.fixture
def session(engine, tmp_path):
    flight = FlightSession(engine, engine.from_world(3), tmp_path, "world")
    yield flight
    flight.close()


def _decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_frames_are_jpegs_of_the_flight_size_with_metadata(session):
    jpeg, meta, _ = session.advance()
    assert _decode(jpeg).shape == (64, 64, 3)
    assert meta["index"] == 0 and meta["autopilot"] and not meta["recording"]
    _, meta, _ = session.advance()
    assert meta["index"] == 1 and meta["position"] != [0.0, 0.0, 0.0]


def test_steering_turns_the_camera_by_hand_and_the_frame_says_which_input_it_reflects(session):
    session.apply(Command("autopilot", {"on": False}, seq=1))
    session.advance()
    _, before, _ = session.advance()
    assert before["seq"] == 1
    session.apply(Command("steer", {"x": -1.0, "y": 0.0}, seq=2))
    _, after, _ = session.advance()
    assert after["seq"] == 2
    assert after["yaw"] < before["yaw"] - 2.0  # left by ~3 degrees per frame at full offset
    for _ in range(3):
        _, last, _ = session.advance()
    assert last["yaw"] < after["yaw"]  # the offset decays but keeps turning for a while


def test_speed_is_scaled_and_clamped(session):
    session.apply(Command("speed", {"factor": 2.0}))
    assert session.pilot.speed == pytest.approx(0.03)
    for _ in range(20):
        session.apply(Command("speed", {"factor": 4.0}))
    assert session.pilot.speed == pytest.approx(0.08)


def test_restart_and_world_start_over(session):
    for _ in range(3):
        session.advance()
    reply = session.apply(Command("world", {"seed": 11}))
    assert reply["type"] == "source" and reply["name"] == "example_world11" and reply["kind"] == "world"
    assert reply["seed"] == 11  # the page shows the seed flying now
    _, meta, _ = session.advance()
    assert meta["index"] == 0
    session.advance()
    session.apply(Command("restart", {}))
    assert session.advance()[1]["index"] == 0


def test_recording_writes_a_playable_mp4_and_stops_at_its_limit(session, tmp_path):
    session.advance()
    assert session.apply(Command("record", {"on": True})) == {"type": "recording", "state": "started"}
    for _ in range(3):
        session.advance()
    reply = session.apply(Command("record", {"on": False}))
    assert reply["state"] == "ready" and reply["frames"] == 4  # the frame on screen + 3 new ones
    path = tmp_path / reply["url"].rsplit("/", 1)[-1]
    frames = iio.imread(path)
    assert frames.shape == (4, 64, 64, 3)
    session.apply(Command("record", {"on": True}))
    notices = [session.advance()[2] for _ in range(8)]
    stopped = [n for n in notices if n is not None]
    assert len(stopped) == 1 and stopped[0]["frames"] == 6  # max_record_frames
    assert not session.advance()[1]["recording"]
    assert len(session.recordings) == 2
    session.close()
    assert not any(tmp_path.glob("*.mp4"))


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 120, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_uploaded_photo_becomes_the_source(session, photo):
    reply = session.upload(photo.read_bytes(), "valley.jpg")
    assert reply["name"] == "valley" and reply["kind"] == "photo" and (reply["width"], reply["height"]) == (64, 48)
    assert "seed" not in reply
    assert _decode(session.advance()[0]).shape == (48, 64, 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"GIF89a not really", "not a supported image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a supported image"),
    ],
)
def test_bad_uploads_are_refused_and_the_flight_goes_on(session, data, message):
    session.advance()
    with pytest.raises(InfiniteNatureError, match=message):
        session.upload(data, "bad.png")
    assert session.advance()[1]["index"] == 1


def test_uploads_over_the_byte_and_pixel_limits_are_refused(tiny_weights, tmp_path):
    config = DemoConfig(size=64, weights=str(tiny_weights), max_upload_mb=0.001, max_upload_megapixels=0.01)
    engine = FlightEngine(config, torch.device("cpu"))
    with pytest.raises(InfiniteNatureError, match="over the 0.001 MB upload limit"):
        engine.from_upload(b"x" * 2000, "big.png")
    with pytest.raises(InfiniteNatureError, match="over the 0.01 MP limit"):
        engine.from_upload(_png(200, 100), "wide.png")
