"""nt.components: the actor/strategy API and 1.221's config JSON."""

from __future__ import annotations

import msgspec
import pytest

from nautilus_rl_lab.nt.common import Actor, ActorConfig, ImportableActorConfig
from nautilus_rl_lab.nt.components import create_actor, create_strategy, fill_topic, order_topic
from nautilus_rl_lab.nt.model import InstrumentId
from nautilus_rl_lab.nt.trading import ImportableStrategyConfig, Strategy, StrategyConfig

STRATEGY_JSON = (
    b'{"strategy_id":null,"order_id_tag":null,"use_uuid_client_order_ids":false,'
    b'"use_hyphens_in_client_order_ids":true,"oms_type":null,"external_order_claims":null,'
    b'"manage_contingent_orders":false,"manage_gtd_expiry":false,"log_events":true,'
    b'"log_commands":true,"log_rejected_due_post_only_as_warning":true}'
)


class ProbeConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    instrument_id: InstrumentId
    size: float = 1.0


class Probe(Strategy):
    def __init__(self, config: ProbeConfig, note: str = "") -> None:
        super().__init__(config)
        self.note = note


class WatchConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    topic: str = "t"


class Watch(Actor):
    pass


def test_configs_write_nautilus_1_221s_json() -> None:
    assert StrategyConfig().json() == STRATEGY_JSON
    assert ActorConfig().json() == b'{"component_id":null,"log_events":true,"log_commands":true}'
    config = ProbeConfig.parse(
        b'{"instrument_id":"EUR/USD.SIM","external_order_claims":["EUR/USD.SIM"]}'
    )
    assert config.instrument_id == InstrumentId.from_str("EUR/USD.SIM")
    assert config.external_order_claims == [InstrumentId.from_str("EUR/USD.SIM")]
    assert ProbeConfig.parse(config.json()) == config


def test_ids_come_from_the_config_and_the_class_name() -> None:
    instrument = InstrumentId.from_str("EUR/USD.SIM")
    # an untagged strategy's id is final once added (1.221's trader names it): test_strategy_ids
    tagged = Probe(ProbeConfig(instrument_id=instrument, order_id_tag="007"), note="x")
    assert (str(tagged.id), tagged.note) == ("Probe-007", "x")
    assert tagged.config.instrument_id == instrument  # our config, fields typed
    assert str(Watch(WatchConfig()).id) == "Watch"
    assert str(Watch(WatchConfig.parse(b'{"component_id":"Watcher-1"}')).id) == "Watcher-1"


def test_importable_configs_are_decoded_by_the_config_class() -> None:
    strategy = create_strategy(
        ImportableStrategyConfig(
            strategy_path=f"{__name__}:Probe",
            config_path=f"{__name__}:ProbeConfig",
            config={"instrument_id": "EUR/USD.SIM", "size": 2.5, "order_id_tag": "002"},
        )
    )
    assert isinstance(strategy, Probe) and str(strategy.id) == "Probe-002"
    assert strategy.config.instrument_id == InstrumentId.from_str("EUR/USD.SIM")
    actor = create_actor(
        ImportableActorConfig(
            actor_path=f"{__name__}:Watch", config_path=f"{__name__}:WatchConfig", config={}
        )
    )
    assert isinstance(actor, Watch) and actor.config == WatchConfig()
    with pytest.raises(msgspec.ValidationError, match="bogus"):
        create_actor(
            ImportableActorConfig(
                actor_path=f"{__name__}:Watch",
                config_path=f"{__name__}:WatchConfig",
                config={"bogus": 1},
            )
        )


def test_event_topics_are_nautilus_1_221s() -> None:
    assert order_topic("AgentStrategy-000") == "events.order.AgentStrategy-000"
    assert fill_topic(InstrumentId.from_str("EUR/USD.SIM")) == "events.fills.EUR/USD.SIM"
