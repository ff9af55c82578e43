"""Nautilus' actor and strategy bases and their configs, as the toolkit's components use them.

The toolkit's components derive from `Actor`/`Strategy` here and configure them with
`ActorConfig`/`StrategyConfig` subclasses:

- Order events: NautilusTrader 2's message bus hands Python no order events, so a `Strategy`
  here republishes its own on 1.221's topics, `order_topic(strategy_id)` and
  `fill_topic(instrument_id)`; other components' events (EXTERNAL orders) do not reach them.
- Configs: Nautilus' configs are Rust objects that cannot carry our fields or decode JSON, so
  `ActorConfig`/`StrategyConfig` are frozen msgspec structs with 1.221's fields and JSON (stored
  configs keep loading); the base builds Nautilus' own config from them, and `config` is ours.
- Identity: `id` is the component's id (Nautilus calls it `actor_id` / `strategy_id`); a
  strategy's id and order-id tag follow 1.221's rule (`nt.strategy_ids`).
- Portfolio: a `DataActor` has none; `add_actor(kernel, actor)` adds an actor to an engine
  or node and hands it the kernel's (a live view, readable from handlers).
- Client order ids: `Strategy.on_start` counts them on from the strategy's orders in the cache
  (a restarted node's) and `Strategy.on_reset` restarts them at 1 (the engine's reset leaves
  the count), as 1.221's strategy did; subclasses call `super().on_start()` / `on_reset()`.
- Importable configs: `create_actor` / `create_strategy` build a component from an
  `ImportableActorConfig` / `ImportableStrategyConfig` by decoding its config with the config
  class's `parse`, as 1.221's `ActorFactory`/`StrategyFactory` (gone on 2.0) did.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeAlias, cast

import msgspec
from nautilus_trader.common import DataActor as _NautilusActor
from nautilus_trader.common import DataActorConfig as _NautilusActorConfig
from nautilus_trader.model import ActorId, ComponentId, OmsType, OrderFilled, StrategyId
from nautilus_trader.trading import Strategy as _NautilusStrategy
from nautilus_trader.trading import StrategyConfig as _NautilusStrategyConfig

from nautilus_rl_lab.nt.codec import JsonStruct
from nautilus_rl_lab.nt.model import InstrumentId
from nautilus_rl_lab.nt.strategy_ids import strategy_identity

if TYPE_CHECKING:
    from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig


class ActorConfig(JsonStruct, kw_only=True, frozen=True):
    """1.221's `ActorConfig` fields: the component id (default: the class name) and logging."""

    component_id: ComponentId | None = None
    log_events: bool = True
    log_commands: bool = True

    def nautilus(self) -> _NautilusActorConfig:
        """Nautilus' own `DataActorConfig` with this config's id and logging."""
        actor_id = ActorId(str(self.component_id)) if self.component_id else None
        return _NautilusActorConfig(actor_id, self.log_events, self.log_commands)


class StrategyConfig(JsonStruct, kw_only=True, frozen=True):
    """1.221's `StrategyConfig` fields (`external_order_claims` is 2.0's
    `external_order_instrument_ids`)."""

    strategy_id: StrategyId | None = None
    order_id_tag: str | None = None
    use_uuid_client_order_ids: bool = False
    use_hyphens_in_client_order_ids: bool = True
    oms_type: str | None = None
    external_order_claims: list[InstrumentId] | None = None
    manage_contingent_orders: bool = False
    manage_gtd_expiry: bool = False
    log_events: bool = True
    log_commands: bool = True
    log_rejected_due_post_only_as_warning: bool = True

    def identified(self, name: str) -> Self:
        """This config with the id and order-id tag 1.221 gives the strategy class `name`
        (`nt.strategy_ids`): 2.0 names a strategy by its config's, when built and added, so
        a 2.0 strategy's `config` holds them (build another strategy from the original)."""
        identity = strategy_identity(
            name, str(self.strategy_id) if self.strategy_id else None, self.order_id_tag
        )
        return msgspec.structs.replace(
            self,
            strategy_id=StrategyId(identity.strategy_id),
            order_id_tag=identity.order_id_tag,
        )

    def nautilus(self) -> _NautilusStrategyConfig:
        """Nautilus' own `StrategyConfig` with this config's fields."""
        return _NautilusStrategyConfig(
            strategy_id=StrategyId(str(self.strategy_id)) if self.strategy_id else None,
            order_id_tag=self.order_id_tag,
            oms_type=OmsType[self.oms_type] if self.oms_type else None,
            external_order_instrument_ids=self.external_order_claims,
            manage_contingent_orders=self.manage_contingent_orders,
            manage_gtd_expiry=self.manage_gtd_expiry,
            use_uuid_client_order_ids=self.use_uuid_client_order_ids,
            use_hyphens_in_client_order_ids=self.use_hyphens_in_client_order_ids,
            log_events=self.log_events,
            log_commands=self.log_commands,
            log_rejected_due_post_only_as_warning=self.log_rejected_due_post_only_as_warning,
        )


class Actor(_NautilusActor):
    """2.0's `DataActor`, configured by an `ActorConfig`, with `id` and an attached portfolio."""

    def __new__(cls, config: Any = None, *args: Any, **kwargs: Any) -> Self:
        # Nautilus reads its config in __new__; subclasses may take more arguments (2.0's
        # stub declares the config on __init__ only, not on the pyo3 class's __new__)
        return super().__new__(cls, _nautilus_config(config))  # type: ignore[call-arg]

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        self._config = ActorConfig() if config is None else config
        self._portfolio: Any = None

    if TYPE_CHECKING:
        # 2.0's stub types a topic handler as taking `object`: ours take their topic's messages
        def subscribe_topic(
            self, topic: str, handler: Callable[[Any], None], priority: int = 0
        ) -> None: ...

        def unsubscribe_topic(self, topic: str, handler: Callable[[Any], None]) -> None: ...

    @property
    def config(self) -> Any:
        return self._config

    @property
    def id(self) -> ActorId:
        """The actor's id (1.221's name for `actor_id`)."""
        return self.actor_id

    @property
    def portfolio(self) -> Any:
        """The kernel's portfolio, handed over by `add_actor`."""
        if self._portfolio is None:
            raise RuntimeError(
                f"{type(self).__name__} has no portfolio: NautilusTrader 2 gives actors "
                "none; add it with nautilus_rl_lab.nt.components.add_actor(kernel, actor)"
            )
        return self._portfolio

    def attach_portfolio(self, portfolio: Any) -> None:
        """Read `portfolio` (the engine's or node's) as this actor's own."""
        self._portfolio = portfolio


class Strategy(_NautilusStrategy):
    """2.0's `Strategy`, configured by a `StrategyConfig`, publishing its order events on
    1.221's topics (`order_topic`, `fill_topic`)."""

    _config: Any

    def __new__(cls, config: Any = None, *args: Any, **kwargs: Any) -> Self:
        # Nautilus reads the id from the config when it builds the strategy and again (its
        # `config` attribute) when one is added: both see 1.221's id and tag
        ours = StrategyConfig() if config is None else config
        if isinstance(ours, StrategyConfig):
            ours = ours.identified(cls.__name__)
        strategy = super().__new__(cls, _nautilus_config(ours))  # type: ignore[call-arg]
        strategy._config = ours
        return strategy

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        # read now: while an order event is handled the strategy is borrowed (2.0)
        self._order_topic = order_topic(self.strategy_id)

    if TYPE_CHECKING:
        # 2.0's stub types a topic handler as taking `object`: ours take their topic's messages
        def subscribe_topic(
            self, topic: str, handler: Callable[[Any], None], priority: int = 0
        ) -> None: ...

        def unsubscribe_topic(self, topic: str, handler: Callable[[Any], None]) -> None: ...

    @property
    def config(self) -> Any:
        return self._config

    @property
    def id(self) -> StrategyId:
        """The strategy's id (1.221's name for `strategy_id`)."""
        return self.strategy_id

    def on_start(self) -> None:
        """Count the client order ids on from the strategy's orders in the cache (a restarted
        live node's, put back by reconciliation), as 1.221's strategy does when it starts: 2.0
        restarts them at 1, so a node restarted within the second of its earlier orders gave a
        new order an earlier one's id. A subclass's `on_start` calls this first."""
        factory = self.order_factory
        for _ in range(
            len(self.cache.client_order_ids(strategy_id=self.strategy_id))
            - factory.get_client_order_id_count()
        ):
            factory.generate_client_order_id()

    def on_reset(self) -> None:
        """Restart the client order ids at 1, as 1.221 does before calling `on_reset` (2.0's
        engine reset keeps the count); a subclass's `on_reset` calls this first."""
        self.order_factory.reset()

    def on_order_event(self, event: Any) -> None:
        self.publish_message(self._order_topic, event)
        if isinstance(event, OrderFilled):
            self.publish_message(fill_topic(event.instrument_id), event)


def _nautilus_config(config: Any) -> Any:
    """Nautilus' own config for ours (a Nautilus config, or none, passes as it is)."""
    if isinstance(config, JsonStruct):
        return cast("ActorConfig | StrategyConfig", config).nautilus()
    return config


Component: TypeAlias = "Actor | Strategy"
"""An actor or a strategy (2.0's `Strategy` is no `DataActor`)."""

ORDER_TOPICS = "events.order.*"
"""Every strategy's order events (a wildcard of `order_topic`)."""


def order_topic(strategy_id: object) -> str:
    """The topic of every order event of the strategy `strategy_id`."""
    return f"events.order.{strategy_id}"


def fill_topic(instrument_id: InstrumentId) -> str:
    """The topic of every fill of `instrument_id` (of the toolkit's strategies)."""
    return f"events.fills.{instrument_id}"


def add_actor(kernel: Any, actor: Any) -> None:
    """Add `actor` to `kernel` (a backtest engine or live node), with the kernel's portfolio."""
    kernel.add_actor(actor)
    if isinstance(actor, Actor):
        actor.attach_portfolio(kernel.portfolio)


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _decoded_config(config_path: str, config: dict[str, Any]) -> Any:
    """The config class at `config_path` decoded from the plain `config` data."""
    return _resolve(config_path).parse(msgspec.json.encode(config))


def create_actor(config: ImportableActorConfig) -> Actor:
    """The actor an `ImportableActorConfig` describes (its config decoded by the class)."""
    actor = _resolve(config.actor_path)
    return actor(_decoded_config(config.config_path, config.config))


def create_strategy(config: ImportableStrategyConfig) -> Strategy:
    """The strategy an `ImportableStrategyConfig` describes (its config decoded by the class)."""
    strategy = _resolve(config.strategy_path)
    return strategy(_decoded_config(config.config_path, config.config))
