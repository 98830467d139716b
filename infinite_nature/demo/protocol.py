"""The WebSocket messages between the page and its flight, and their validation.

The page sends JSON text messages ``{"type": ..., "seq": N, ...}`` (``seq`` numbers its inputs so
that the frame which first reflects an input can say so, for the latency read-out) and photo
uploads as one binary message, announced by an ``upload`` message that names the file. The
server sends a JSON ``frame`` message followed by the frame as one binary JPEG message, and
JSON ``hello``/``source``/``status``/``recording``/``error``/``busy``/``idle`` messages.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

MAX_TEXT_MESSAGE = 4096  # bytes; every command is far smaller

# type -> (field, kind) pairs it must carry; kind is "number", "bool", "seed" or "name"
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "steer": (("x", "number"), ("y", "number")),
    "speed": (("factor", "number"),),
    "autopilot": (("on", "bool"),),
    "pause": (("on", "bool"),),
    "step": (),
    "restart": (),
    "world": (("seed", "seed"),),
    "upload": (("name", "name"),),
    "record": (("on", "bool"),),
    "ack": (("frame", "seed"),),
    "ping": (),
}
MAX_SEED = 2**31 - 1
SPEED_FACTOR_RANGE = (0.25, 4.0)


class ProtocolError(ValueError):
    """A message the server ignores (logged with this reason)."""


@dataclass(frozen=True)
class Command:
    type: str
    values: dict
    seq: int | None = None


def _check(kind: str, name: str, value: object) -> object:
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ProtocolError(f"{name}: expected a finite number, got {value!r}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError(f"{name}: expected true or false, got {value!r}")
        return value
    if kind == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
            raise ProtocolError(f"{name}: expected a whole number in [0, {MAX_SEED}], got {value!r}")
        return value
    if not isinstance(value, str) or not 0 < len(value) <= 255:
        raise ProtocolError(f"{name}: expected a short text, got {value!r}")
    return value


def parse_command(text: str) -> Command:
    """One text message from the page as a Command; ProtocolError says what is wrong with it."""
    if len(text) > MAX_TEXT_MESSAGE:
        raise ProtocolError(f"message of {len(text)} characters, over the {MAX_TEXT_MESSAGE} limit")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"not JSON ({error})") from None
    if not isinstance(message, dict):
        raise ProtocolError("expected a JSON object")
    kind = message.get("type")
    if kind not in COMMANDS:
        raise ProtocolError(f"unknown type {kind!r}")
    values = {name: _check(field_kind, name, message.get(name)) for name, field_kind in COMMANDS[kind]}
    if kind == "speed" and not SPEED_FACTOR_RANGE[0] <= values["factor"] <= SPEED_FACTOR_RANGE[1]:
        raise ProtocolError(f"factor: expected a number in {list(SPEED_FACTOR_RANGE)}, got {values['factor']}")
    seq = message.get("seq")
    if seq is not None:
        seq = _check("seed", "seq", seq)
    return Command(kind, values, seq)  # type: ignore[arg-type]
