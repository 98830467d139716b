"""The demo server through its HTTP and WebSocket API (a real app on tiny weights)."""

import logging
import threading
import time

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.demo.conftest import next_message, wait_for, wait_until_freed

pytestmark = pytest.mark.timeout(120)
WS = "ws://127.0.0.1/ws"


def _frames(ws, count: int) -> list[dict]:
    return [wait_for(ws, lambda m: m["type"] == "frame") for _ in range(count)]


def test_page_static_files_and_info_are_served(make_server):
    _, client = make_server()
    page = client.get("/")
    assert page.status_code == 200 and '<canvas id="view"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../server.py").status_code == 404
    info = client.get("/api/info").json()
    assert info["size"] == 64 and info["active_flights"] == 0 and info["source"] == "example_world3"


def test_a_flight_streams_frames_and_answers_steering(make_server):
    _, client = make_server()
    with client.websocket_connect(WS) as ws:
        hello = next_message(ws)
        assert hello["type"] == "hello" and hello["source"]["name"] == "example_world3"
        frames = _frames(ws, 3)
        assert [f["index"] for f in frames] == [0, 1, 2]
        image = cv2.imdecode(np.frombuffer(frames[0]["jpeg"], np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (64, 64, 3)
        ws.send_json({"type": "autopilot", "on": False, "seq": 1})
        before = wait_for(ws, lambda m: m["type"] == "frame" and m["seq"] >= 1)
        assert not before["autopilot"]
        ws.send_json({"type": "steer", "x": 1.0, "y": 0.0, "seq": 2})
        after = wait_for(ws, lambda m: m["type"] == "frame" and m["seq"] >= 2)
        assert after["yaw"] > before["yaw"] + 2.0  # turned right
        assert client.get("/api/info").json()["active_flights"] == 1


def test_pause_holds_the_frame_and_step_advances_one(make_server):
    _, client = make_server()
    with client.websocket_connect(WS) as ws:
        _frames(ws, 2)
        ws.send_json({"type": "pause", "on": True, "seq": 1})
        paused = wait_for(ws, lambda m: m["type"] == "frame" and m["paused"])
        ws.send_json({"type": "step", "seq": 2})
        stepped = wait_for(ws, lambda m: m["type"] == "frame")
        assert stepped["index"] == paused["index"] + 1 and stepped["paused"]
        ws.send_json({"type": "restart", "seq": 3})
        assert wait_for(ws, lambda m: m["type"] == "frame")["index"] == 0


def test_malformed_messages_are_ignored_with_a_log_line(make_server, caplog):
    _, client = make_server()
    with caplog.at_level(logging.WARNING, logger="infinite_nature.demo.server"):
        with client.websocket_connect(WS) as ws:
            _frames(ws, 1)
            for text in ["garbage", "[]", '{"type": "explode"}', '{"type": "steer", "x": "left", "y": 0}', "{" * 5000]:
                ws.send_text(text)
            ws.send_json({"type": "speed", "factor": 2.0, "seq": 9})
            frame = wait_for(ws, lambda m: m["type"] == "frame" and m["seq"] == 9)
            assert frame["speed"] == pytest.approx(0.03)
    ignored = [r for r in caplog.records if "ignored a malformed message" in r.getMessage()]
    assert len(ignored) == 5


def test_uploads_replace_the_source_and_bad_ones_are_reported(make_server, photo):
    _, client = make_server()
    with client.websocket_connect(WS) as ws:
        _frames(ws, 1)
        ws.send_bytes(b"this is not an image")
        error = wait_for(ws, lambda m: m["type"] == "error")
        assert not error["fatal"] and "not a supported image" in error["message"]
        ws.send_json({"type": "upload", "name": "valley.jpg"})
        ws.send_bytes(photo.read_bytes())
        source = wait_for(ws, lambda m: m["type"] == "source")
        assert source["name"] == "valley" and source["kind"] == "photo"
        frame = wait_for(ws, lambda m: m["type"] == "frame" and m["index"] == 0)
        assert cv2.imdecode(np.frombuffer(frame["jpeg"], np.uint8), cv2.IMREAD_COLOR).shape == (48, 64, 3)


def test_a_recording_downloads_as_mp4_and_only_by_its_token(make_server, tmp_path):
    server, client = make_server()
    with client.websocket_connect(WS) as ws:
        _frames(ws, 1)
        ws.send_json({"type": "record", "on": True})
        _frames(ws, 4)
        ws.send_json({"type": "record", "on": False})
        ready = wait_for(ws, lambda m: m["type"] == "recording" and m["state"] == "ready")
        response = client.get(ready["url"])
        assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
        assert "attachment" in response.headers["content-disposition"]
        (tmp_path / "flight.mp4").write_bytes(response.content)
        assert iio.imread(tmp_path / "flight.mp4").shape[1:] == (64, 64, 3)
        assert client.get("/recordings/" + "0" * 32 + ".mp4").status_code == 404
        assert client.get("/recordings/..%2F..%2Fetc%2Fpasswd.mp4").status_code == 404
    wait_until_freed(client)
    assert client.get(ready["url"]).status_code == 404  # forgotten with its flight ...
    deadline = time.monotonic() + 10
    while list(server.folder.glob("*.mp4")):  # ... and deleted once its last step is done
        assert time.monotonic() < deadline, "the recording was not deleted"
        time.sleep(0.05)


def test_past_the_flight_limit_a_page_is_told_the_server_is_busy(make_server):
    _, client = make_server(max_flights=1)
    with client.websocket_connect(WS) as first:
        _frames(first, 1)
        with client.websocket_connect(WS) as second:
            busy = next_message(second)
            assert busy["type"] == "busy" and "1 flight(s) already running" in busy["message"]
            assert next_message(second) == {"type": "closed", "code": 1013}
        _frames(first, 1)  # the first flight is unaffected
    wait_until_freed(client)
    with client.websocket_connect(WS) as third:  # the slot is free again
        assert next_message(third)["type"] == "hello"


def test_idle_flights_are_freed(make_server):
    _, client = make_server(idle_minutes=0.02)
    with client.websocket_connect(WS) as ws:
        idle = wait_for(ws, lambda m: m["type"] == "idle", limit=500)
        assert "freed after" in idle["message"]
        assert next_message(ws)["type"] == "closed"
    wait_until_freed(client)


def test_a_crashed_flight_reports_to_its_page_and_others_keep_flying(make_server, tiny_engine, monkeypatch):
    refiner = tiny_engine.networks.refiner
    real_forward = refiner.forward

    def forward(*args, **kwargs):  # only the first flight's worker thread fails
        if threading.current_thread().name.startswith("flight-1_"):
            raise RuntimeError("injected refiner failure")
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(refiner, "forward", forward)
    _, client = make_server()
    with client.websocket_connect(WS) as crashing, client.websocket_connect(WS) as healthy:
        error = wait_for(crashing, lambda m: m["type"] == "error")
        assert error["fatal"] and "injected refiner failure" in error["message"]
        assert wait_for(crashing, lambda m: m["type"] == "closed")["code"] == 1011
        assert [f["index"] for f in _frames(healthy, 3)] == [0, 1, 2]


def test_foreign_hosts_and_origins_are_refused(make_server):
    _, client = make_server()
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(WS, headers={"origin": "http://evil.example"}) as ws:
            ws.receive()
    assert refused.value.code == 1008
