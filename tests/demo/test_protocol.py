"""Page -> server messages: what is accepted, and a reason for everything that is not."""

import json

import pytest

from infinite_nature.demo.protocol import MAX_TEXT_MESSAGE, ProtocolError, parse_command


def test_valid_commands_parse_with_their_values_and_seq():
    command = parse_command(json.dumps({"type": "steer", "x": -1, "y": 0.5, "seq": 7}))
    assert (command.type, command.values, command.seq) == ("steer", {"x": -1.0, "y": 0.5}, 7)
    assert parse_command('{"type": "world", "seed": 42}').values == {"seed": 42}
    assert parse_command('{"type": "pause", "on": true}').values == {"on": True}
    assert parse_command('{"type": "step"}').seq is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"type": "explode"}', "unknown type 'explode'"),
        ('{"x": 1}', "unknown type None"),
        ('{"type": "steer", "x": "left", "y": 0}', "x: expected a finite number"),
        ('{"type": "steer", "x": NaN, "y": 0}', "x: expected a finite number"),
        ('{"type": "steer", "x": true, "y": 0}', "x: expected a finite number"),
        ('{"type": "steer", "x": 0}', "y: expected a finite number"),
        ('{"type": "pause", "on": 1}', "on: expected true or false"),
        ('{"type": "world", "seed": -1}', "seed: expected a whole number"),
        ('{"type": "world", "seed": 1.5}', "seed: expected a whole number"),
        ('{"type": "world", "seed": 99999999999}', "seed: expected a whole number"),
        ('{"type": "speed", "factor": 100}', "factor: expected a number in"),
        ('{"type": "upload", "name": ""}', "name: expected a short text"),
        ('{"type": "step", "seq": "one"}', "seq: expected a whole number"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(text, reason):
    with pytest.raises(ProtocolError, match=reason.replace("(", r"\(")):
        parse_command(text)


def test_oversized_messages_are_refused_before_parsing():
    with pytest.raises(ProtocolError, match="over the"):
        parse_command('{"type": "upload", "name": "' + "x" * MAX_TEXT_MESSAGE + '"}')
