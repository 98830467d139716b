"""Dataclass configs whose field docs become command-line flags and help (nerfstudio style).

Each field declares its help text with ``field(metadata={"help": ...})``; ``add_arguments``
turns the dataclass into argparse flags and ``from_namespace`` builds it back, so one
definition serves the Python API, the CLI and ``--help``. A numeric field may declare its
bounds in the same metadata (``minimum``/``maximum`` inclusive, ``above``/``below``
exclusive); ``check_bounds`` refuses values outside them, from flags and files alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import operator
import typing
from typing import Any, TypeVar

from infinite_nature.errors import UsageError

T = TypeVar("T")


def finite_float(text: str) -> float:
    """The type of every float flag: a number, but not nan or inf, which would only surface later
    as nan frames or an encoder's crash."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


_BOUNDS = {  # metadata key: the comparison a value must pass, its words, its bracket in an interval
    "minimum": (operator.ge, ">=", "["),
    "above": (operator.gt, ">", "("),
    "maximum": (operator.le, "<=", "]"),
    "below": (operator.lt, "<", ")"),
}


def _bounds_text(metadata: typing.Mapping[str, Any]) -> str:
    """The bounds a field's metadata declares, as the words of an error message."""
    keys = [key for key in _BOUNDS if key in metadata]  # the lower bound first
    if len(keys) == 2:
        low, high = keys
        return f"within {_BOUNDS[low][2]}{metadata[low]}, {metadata[high]}{_BOUNDS[high][2]}"
    return " ".join(f"{_BOUNDS[key][1]} {metadata[key]}" for key in keys)


def check_bounds(config: object) -> None:
    """Refuse a field's value outside the bounds its metadata declares, naming its flag: a
    negative weight or an EMA decay of 2 would otherwise train quietly into nonsense, and a
    seed numpy cannot take would fail deep inside the library."""
    for field in dataclasses.fields(config):  # type: ignore[arg-type]
        value = getattr(config, field.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not all(_BOUNDS[key][0](value, bound) for key, bound in field.metadata.items() if key in _BOUNDS):
            raise UsageError(f"{_flag(field.name)} must be {_bounds_text(field.metadata)}, got {value}")


def add_arguments(parser: argparse.ArgumentParser, config_class: type, suppress_defaults: bool = False) -> None:
    """Add one flag per dataclass field, with its help text, type, choices and default.

    With ``suppress_defaults`` an absent flag leaves no attribute, so a caller can layer
    defaults < config file < flags (see ``merge``)."""
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        help_text = field.metadata.get("help", "")
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()  # type: ignore[misc]
        hint = hints[field.name]
        kwargs: dict[str, Any] = {"dest": field.name, "default": argparse.SUPPRESS if suppress_defaults else default}
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif origin is typing.Literal:
            kwargs["choices"] = list(args)
            kwargs["type"] = type(args[0])
        elif origin in (tuple, list):
            kwargs["nargs"] = "+"
            kwargs["type"] = args[0]
        elif origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            inner = [a for a in args if a is not type(None)]
            kwargs["type"] = inner[0]
        else:
            kwargs["type"] = hint
        if kwargs.get("type") is float:
            kwargs["type"] = finite_float
        if "choices" in field.metadata:
            kwargs["choices"] = field.metadata["choices"]
        shown = " ".join(map(str, default)) if isinstance(default, (tuple, list)) else default
        bounds = _bounds_text(field.metadata)
        kwargs["help"] = f"{help_text} (default: {shown}" + (f"; {bounds}" if bounds else "") + ")"
        parser.add_argument(_flag(field.name), **kwargs)


def merge(config_class: type[T], layers: list[dict[str, Any]]) -> T:
    """The dataclass defaults updated by each layer in turn (later layers win)."""
    hints = typing.get_type_hints(config_class)
    values: dict[str, Any] = {}
    for layer in layers:
        values.update(layer)
    for name, value in values.items():
        if typing.get_origin(hints[name]) is tuple and isinstance(value, list):
            values[name] = tuple(value)
    return config_class(**values)


def from_namespace(config_class: type[T], namespace: argparse.Namespace) -> T:
    """Build the dataclass from parsed arguments (tuples stay tuples)."""
    values = {}
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        value = getattr(namespace, field.name)
        if typing.get_origin(hints[field.name]) is tuple and isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return config_class(**values)
