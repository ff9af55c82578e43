"""Request parsing: a malformed request dict is refused before any trade check runs."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.requests import InvalidRequestError, parse_request

BUY = {"action": mt5c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1, "type": 0}


def test_fields_are_typed_like_the_module_does() -> None:
    request = parse_request({**BUY, "volume": "0.1", "magic": 7.0, "comment": 12})
    assert (request.volume, request.magic, request.comment) == (0.1, 7, "12")
    assert request.type_filling == mt5c.ORDER_FILLING_FOK  # the structure's default


def test_an_expiration_datetime_becomes_seconds() -> None:
    when = datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_request({**BUY, "expiration": when}).expiration == int(when.timestamp())


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ([("action", 1)], "must be a dict"),
        ({"symbol": "EURUSD"}, '"action"'),
        ({**BUY, "volumen": 0.1}, "unknown request field"),
        ({**BUY, "volume": "a lot"}, "Invalid argument"),
        ({**BUY, "price": math.nan}, '"price"'),
        ({**BUY, "sl": math.inf}, '"sl"'),
    ],
)
def test_malformed_requests_are_refused(request_: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        parse_request(request_)
