"""The demo in a real browser (Debian's chromium, headless, driven by Playwright).

Flies the shipped default weights at 128 px: frames arrive, keys turn the camera, the
auto-pilot toggles, a photo uploads, a recording downloads as a valid mp4. The screenshot
land in test-artifacts/ (demo-world.png, demo.png).
"""

from pathlib import Path

import imageio.v3 as iio
import pytest
import torch

from infinite_nature.bench.demo import CHROMIUM_ARGS, find_chromium
from infinite_nature.demo.config import DemoConfig
from infinite_nature.demo.server import build_server, create_app, serve_in_thread

CHROMIUM = find_chromium()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def demo_url():
    config = DemoConfig(size=128, port=0)
    server = build_server(config, torch.device("cpu"), world=3)
    try:
        with serve_in_thread(create_app(server), config) as running:
            yield running.url
    finally:
        server.close()


@pytest.fixture
def page(demo_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1100, "height": 720})
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(demo_url)
        yield page
        browser.close()


def _frames_after(page, count: int) -> dict:
    """Wait for ``count`` more frames; returns the newest frame's metadata."""
    seen = page.evaluate("window.demoStats.frames")
    page.wait_for_function(f"window.demoStats.frames >= {seen + count}", timeout=120_000)
    return page.evaluate("window.demoStats.lastFrame")


def test_fly_steer_upload_and_record_in_a_browser(page, photo, tmp_path):
    first = _frames_after(page, 5)
    assert first["autopilot"] and "example_world3" in page.text_content("#source")
    assert page.input_value("#seed") == "3"  # the seed box shows the world flying now
    assert page.text_content("#fps") != "–"

    page.click("#autopilot")
    page.wait_for_function("window.demoStats.lastFrame.autopilot === false")
    before = _frames_after(page, 2)
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("window.demoStats.lastFrame.seq >= window.demoStats.lastSeq", timeout=60_000)
    after = _frames_after(page, 3)
    assert after["yaw"] > before["yaw"] + 5.0  # the camera turned right
    assert "ms" in page.text_content("#latency")
    box = page.locator("#view").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.95, box["y"] + box["height"] / 2)  # steer right by mouse
    page.wait_for_function("window.demoStats.lastFrame.seq >= window.demoStats.lastSeq", timeout=60_000)
    clicked = _frames_after(page, 3)
    assert clicked["yaw"] > after["yaw"] + 3.0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-world.png"))
    page.keyboard.press("+")
    page.wait_for_function(f"window.demoStats.lastFrame.speed > {clicked['speed']}")
    page.click("#autopilot")
    page.wait_for_function("window.demoStats.lastFrame.autopilot === true")

    page.set_input_files("#file", str(photo))
    page.wait_for_function("document.body.dataset.source === 'valley'", timeout=60_000)
    _frames_after(page, 2)

    page.click("#record")
    _frames_after(page, 8)
    page.click("#record")
    page.wait_for_selector("#download:not([hidden])", timeout=60_000)
    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    video = iio.imread(saved)
    assert saved.suffix == ".mp4" and video.shape[0] >= 8 and video.shape[1:] == (80, 128, 3)

    page.screenshot(path=str(ARTIFACTS / "demo.png"))
    assert page.errors == [] and page.evaluate("window.demoStats.errors") == []
