"""Nautilus values in our configs: written as 1.221's `NautilusConfig` wrote them, read back."""

from __future__ import annotations

import msgspec
import pytest

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.nt.codec import IDENTIFIERS, decode_hook, encode_hook
from nautilus_rl_lab.nt.model import BarType, ComponentId, InstrumentId, StrategyId, TraderId

BAR = "EUR/USD.SIM-1-HOUR-BID-EXTERNAL"


class _Ids(LabConfig, frozen=True):
    """A config holding each kind of Nautilus value the hooks handle."""

    instrument_id: InstrumentId
    bar_type: BarType
    trader_id: TraderId
    strategy_id: StrategyId | None = None
    claims: list[InstrumentId] = []
    component_id: ComponentId | None = None


def test_identifiers_and_bar_types_are_written_as_their_strings_and_read_back() -> None:
    config = _Ids(
        instrument_id=InstrumentId.from_str("EUR/USD.SIM"),
        bar_type=BarType.from_str(BAR),
        trader_id=TraderId("TRADER-001"),
        strategy_id=StrategyId("Agent-001"),
        claims=[InstrumentId.from_str("EURUSD.MT5")],
        component_id=ComponentId("Monitor"),
    )
    raw = (
        b'{"instrument_id":"EUR/USD.SIM","bar_type":"' + BAR.encode() + b'",'
        b'"trader_id":"TRADER-001","strategy_id":"Agent-001","claims":["EURUSD.MT5"],'
        b'"component_id":"Monitor"}'
    )
    assert config.json() == raw
    back = _Ids.parse(raw)
    assert back == config
    assert isinstance(back.bar_type, BarType) and isinstance(back.claims[0], InstrumentId)


@pytest.mark.parametrize(
    ("field", "value"), [("instrument_id", "EURUSD"), ("bar_type", "EURUSD.SIM"), ("trader_id", 3)]
)
def test_a_value_nautilus_cannot_parse_is_a_validation_error_naming_the_field(
    field: str, value: object
) -> None:
    data = {"instrument_id": "EUR/USD.SIM", "bar_type": BAR, "trader_id": "TRADER-001"}
    with pytest.raises(msgspec.ValidationError, match=f"`\\$.{field}`"):
        _Ids.parse(msgspec.json.encode({**data, field: value}))


def test_other_objects_are_refused_by_type() -> None:
    with pytest.raises(TypeError, match="Encoding objects of type <class 'object'> is unsupported"):
        encode_hook(object())
    with pytest.raises(TypeError, match="Decoding objects of type <class 'object'> is unsupported"):
        decode_hook(object, "x")


def test_every_identifier_type_round_trips_through_its_string() -> None:
    for kind in IDENTIFIERS:
        text = "EURUSD.MT5" if kind is InstrumentId else "NAME-001"
        assert encode_hook(decode_hook(kind, text)) == text
