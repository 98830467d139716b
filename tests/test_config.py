"""Dataclass configs: bounds declared in a field's metadata, checked with the flag's name."""

from dataclasses import dataclass, field

import pytest

from infinite_nature.config import check_bounds
from infinite_nature.errors import UsageError


@dataclass
class Bounded:
    steps: int = field(default=1, metadata={"minimum": 1})
    rate: float = field(default=0.1, metadata={"above": 0})
    decay: float = field(default=0.5, metadata={"minimum": 0, "below": 1})
    share: float = field(default=0.5, metadata={"minimum": 0, "maximum": 1})
    cap: float = field(default=2.0, metadata={"maximum": 3})
    free: float = -7.0
    switch: bool = field(default=False, metadata={"minimum": 1})  # booleans are not numbers here
    name: str | None = None


def test_values_within_their_bounds_pass():
    check_bounds(Bounded())
    check_bounds(Bounded(steps=1, rate=1e-9, decay=0.0, share=1.0, cap=3.0))


@pytest.mark.parametrize(("values", "message"), [
    ({"steps": 0}, "--steps must be >= 1, got 0"),
    ({"rate": 0.0}, "--rate must be > 0, got 0.0"),
    ({"decay": 1.0}, "--decay must be within [0, 1), got 1.0"),
    ({"decay": -0.1}, "--decay must be within [0, 1), got -0.1"),
    ({"share": 1.5}, "--share must be within [0, 1], got 1.5"),
    ({"cap": 3.5}, "--cap must be <= 3, got 3.5"),
])
def test_a_value_outside_its_bounds_is_a_usage_error_naming_the_flag(values, message):
    with pytest.raises(UsageError) as caught:
        check_bounds(Bounded(**values))
    assert str(caught.value) == message


def test_the_flags_help_states_the_bounds():
    import argparse

    from infinite_nature.config import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser, Bounded)
    text = " ".join(parser.format_help().split())
    assert "(default: 0.5; within [0, 1))" in text and "(default: 1; >= 1)" in text and "(default: -7.0)" in text
