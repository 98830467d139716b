"""Demo responsiveness: frames per second and key-press-to-changed-frame latency.

Starts the real demo server, then flies one flight from a client that acks frames like the
page does and presses a steering key at random moments. Latency runs from sending the key
to receiving the first frame computed after the server applied it (frames carry the input
sequence number they reflect). ``client="browser"`` drives the real page in headless
chromium instead and reads the page's own fps and latency read-outs.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import struct
import time

import torch
from tqdm import tqdm

from infinite_nature.bench.configs import DemoBenchConfig
from infinite_nature.demo.config import DemoConfig
from infinite_nature.errors import InfiniteNatureError, UsageError

CHROMIUM_ARGS = [  # headless as root, and no background traffic on a machine without a network
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def find_chromium() -> str | None:
    """Debian's chromium (or another on PATH): the browser the browser client and tests drive."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _summary(frames: int, seconds: float, latencies: list[float], compute: list[float]) -> dict[str, float]:
    if not latencies:
        raise InfiniteNatureError("no key press got a frame back; the server is not responding")
    ordered = sorted(latencies)
    return {
        "fps": frames / seconds,
        "frames": frames,
        "latency_median_ms": statistics.median(ordered),
        "latency_p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "latency_max_ms": ordered[-1],
        "presses_measured": len(ordered),
        **({"compute_median_ms": statistics.median(compute)} if compute else {}),
    }


def _clock(config: DemoBenchConfig, progress: bool) -> tqdm:
    """A bar of the seconds measured so far (``bar.update(now - bar.n)``)."""
    return tqdm(total=config.seconds, desc="flying", unit="s", bar_format="{desc}: {bar} {n:.0f}/{total:.0f} s",
                disable=not progress)


def _websocket_client(url: str, config: DemoBenchConfig, progress: bool) -> dict[str, float]:
    from websockets.sync.client import connect

    rng = random.Random(config.seed)
    moments = sorted(rng.uniform(1.0, config.seconds - 0.5) for _ in range(config.presses))
    sent: dict[int, float] = {}
    latencies, compute = [], []
    frames, seq = 0, 0
    with connect(url.replace("http", "ws", 1) + "ws", max_size=None) as socket, _clock(config, progress) as clock:
        start = time.perf_counter()
        while (now := time.perf_counter() - start) < config.seconds:
            clock.update(now - clock.n)
            if moments and now >= moments[0]:
                moments.pop(0)
                seq += 1
                socket.send(json.dumps({"type": "steer", "x": rng.choice([-1.0, 1.0]), "y": 0.0, "seq": seq}))
                sent[seq] = time.perf_counter()
            try:
                message = socket.recv(timeout=0.01)
            except TimeoutError:
                continue
            if isinstance(message, str):
                continue
            (length,) = struct.unpack(">I", message[:4])
            meta = json.loads(message[4 : 4 + length])
            socket.send(json.dumps({"type": "ack", "frame": meta["number"]}))
            arrived = time.perf_counter()
            frames += 1
            compute.append(meta["compute_ms"])
            for key in [k for k in sent if k <= meta["seq"]]:
                latencies.append((arrived - sent.pop(key)) * 1000)
    return _summary(frames, config.seconds, latencies, compute)


def _browser_client(url: str, config: DemoBenchConfig, progress: bool) -> dict[str, float]:
    chromium = find_chromium()
    if chromium is None:
        raise UsageError("--client browser needs Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError("--client browser needs playwright (pip install playwright)") from None
    rng = random.Random(config.seed)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("window.demoStats.frames >= 1", timeout=120_000)
        first = page.evaluate("window.demoStats.frames")
        start = time.perf_counter()
        gaps = [rng.uniform(0.3, 2 * config.seconds / max(config.presses, 1) - 0.3) for _ in range(config.presses)]
        with _clock(config, progress) as clock:
            for gap in gaps:
                if time.perf_counter() - start + gap > config.seconds:
                    break
                time.sleep(gap)
                page.keyboard.press(rng.choice(["ArrowLeft", "ArrowRight"]))
                clock.update(time.perf_counter() - start - clock.n)
            time.sleep(max(0.0, config.seconds - (time.perf_counter() - start)))
            clock.update(config.seconds - clock.n)
        frames = page.evaluate("window.demoStats.frames") - first
        latencies = page.evaluate("window.demoStats.latencies")
        browser.close()
    return _summary(frames, config.seconds, latencies, [])


def run_demo_bench(config: DemoBenchConfig, device: torch.device, progress: bool = False) -> dict[str, float]:
    from infinite_nature.demo.server import build_server, create_app, serve_in_thread  # the web stack, only when run

    demo = DemoConfig(size=config.size, port=0, weights=config.weights, max_fps=config.max_fps, threads=config.threads)
    demo.validate()
    server = build_server(demo, device, world=config.world)
    try:
        with serve_in_thread(create_app(server), demo) as running:
            client = _browser_client if config.client == "browser" else _websocket_client
            return client(running.url, config, progress)
    finally:
        server.close()


def format_demo_report(report: dict[str, float]) -> str:
    return "\n".join(f"{key:>20}: {value:.1f}" if isinstance(value, float) else f"{key:>20}: {value}"
                     for key, value in report.items())
