"""Running the CLI as a separate process and stopping it as a user's system would."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable


def terminate_when(args: list[str], ready: Callable[[], bool], timeout: float = 240.0) -> tuple[int, str]:
    """Start ``infinite-nature ARGS``, send SIGTERM once ``ready()`` holds; (exit code, stderr)."""
    return terminate_command([sys.executable, "-m", "infinite_nature", *args], ready, timeout)


def terminate_command(command: list[str], ready: Callable[[], bool], timeout: float = 240.0) -> tuple[int, str]:
    """Start ``command``, send SIGTERM once ``ready()`` holds; (exit code, stderr)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, err
