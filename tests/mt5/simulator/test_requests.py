"""Request parsing: a malformed request dict is refused before any trade check runs."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.requests import InvalidRequestError, parse_request

BUY = {"action": mt5c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1, "type": 0}


def test_fields_keep_their_mqltraderequest_types() -> None:
    request = parse_request({**BUY, "volume": 1, "magic": 2**64 - 1, "comment": "x" * 31})
    assert (request.volume, request.magic, request.comment) == (1.0, 2**64 - 1, "x" * 31)
    assert isinstance(request.volume, float)
    assert request.type_filling == mt5c.ORDER_FILLING_FOK  # the structure's default


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("volume", "0.1"),  # no strings for numbers, as the module refuses them
        ("volume", True),
        ("price", None),
        ("magic", 7.0),  # no floats for integers
        ("magic", 2**70),  # beyond ulong
        ("deviation", -5),
        ("deviation", 1e30),
        ("type", -1),
        ("position", "123"),
        ("comment", 12),
        ("comment", "x" * 32),  # the module refuses long comments, it does not cut them
        ("comment", "x" * 1_000_000),
        ("symbol", b"EURUSD"),
        ("expiration", 1.5),
    ],
)
def test_values_the_module_refuses_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidRequestError, match=f'^Invalid "{field}" argument: expected') as info:
        parse_request({**BUY, field: value})
    assert len(str(info.value)) < 200  # a 1 MB value is not echoed whole


def test_an_expiration_datetime_becomes_seconds() -> None:
    when = datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_request({**BUY, "expiration": when}).expiration == int(when.timestamp())


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ([("action", 1)], "must be a dict"),
        ({"symbol": "EURUSD"}, '"action"'),
        ({**BUY, "volumen": 0.1}, "unknown request field"),
        ({**BUY, "volume": "a lot"}, '"volume"'),
        ({**BUY, "price": math.nan}, '"price"'),
        ({**BUY, "sl": math.inf}, '"sl"'),
    ],
)
def test_malformed_requests_are_refused(request_: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        parse_request(request_)
