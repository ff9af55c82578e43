"""Checks for the strings the toolkit hands to Nautilus parsers, run before Nautilus sees them.

Nautilus 1.221 parses identifiers, log levels and enum names in Rust, where a bad string
panics and aborts the whole interpreter (SIGABRT, exit 134: a dead Jupyter kernel) instead of
raising. Measured here: `TraderId("BAD")` (no hyphen), any trader/strategy/component/client id
or venue with a non-ASCII character, the log level ``"ERR"`` or ``"INFO "``,
`oms_type_from_str("X")`. Other bad strings raise late and far from their config field (a rate
``"bad"`` fails inside the risk engine's constructor). Each check below raises a `ConfigError`
that names the field in backticks and returns the value unchanged, so configs call them in
`__post_init__`.

Rules (Nautilus 1.221): an identifier is a non-empty ASCII string that is not all whitespace;
trader and strategy ids also hold a hyphen (``NAME-TAG``); an instrument id is
``SYMBOL.VENUE`` split at the last ``.`` (the symbol may be any non-blank text, the venue is an
identifier); log levels are ``OFF``, ``TRACE``, ``DEBUG``, ``INFO``, ``WARN``/``WARNING``,
``ERROR`` in any case; a rate is ``<count>/HH:MM:SS``; currencies must be ISO codes Nautilus
knows (`Currency.from_str` without `strict` invents a currency for any other string).
"""

from __future__ import annotations

import math
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.codec import IDENTIFIERS
from nautilus_rl_lab.nt.importable import (
    ImportableActorConfig,
    ImportableStrategyConfig,
    resolve_config_path,
)
from nautilus_rl_lab.nt.model import InstrumentId, OmsType, StrategyId, TraderId
from nautilus_rl_lab.nt.names import enum_names, known_currency

__all__ = [
    "LOG_LEVELS",
    "check_callable",
    "check_choice",
    "check_component_config",
    "check_currency",
    "check_folder",
    "check_identifier",
    "check_identifier_fields",
    "check_instance",
    "check_instrument_id",
    "check_known",
    "check_log_level",
    "check_minimum",
    "check_notional_map",
    "check_number",
    "check_positive",
    "check_rate_limit",
    "check_strategy_id",
    "check_symbol",
    "check_trader_id",
]

#: Log level names Nautilus parses (case-insensitive).
LOG_LEVELS = ("OFF", "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR")
_RATE = re.compile(r"^(\d+)/(\d+:\d{2}:\d{2}(?:\.\d+)?)$")


def check_identifier(field: str, value: object, example: str = "NAME-001") -> str:
    """A Nautilus identifier: a non-empty ASCII string that is not all whitespace."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"`{field}` must be a non-empty string such as {example!r}, was {value!r}"
        )
    if not value.isascii():
        raise ConfigError(
            f"`{field}` {value!r} must contain ASCII characters only (Nautilus identifiers), "
            f"e.g. {example!r}",
        )
    return value


def _check_hyphenated(field: str, value: object, example: str) -> str:
    check_identifier(field, value, example)
    if "-" not in str(value):
        raise ConfigError(f"`{field}` {value!r} must be NAME-TAG with a hyphen, e.g. {example!r}")
    return str(value)


def check_trader_id(field: str, value: object) -> str:
    """A `TraderId`: ``NAME-TAG`` in ASCII (Nautilus aborts on anything else)."""
    return _check_hyphenated(field, value, "TRADER-001")


def check_strategy_id(field: str, value: object) -> str:
    """A `StrategyId`: ``NAME-TAG`` in ASCII, or ``EXTERNAL``."""
    if value == "EXTERNAL":
        return value
    return _check_hyphenated(field, value, "MyStrategy-001")


def check_symbol(field: str, value: object) -> str:
    """A symbol: non-blank text without surrounding whitespace."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ConfigError(
            f"`{field}` must be a symbol without surrounding spaces, e.g. 'EURUSD', was {value!r}"
        )
    return value


def check_instrument_id(field: str, value: object) -> str:
    """An `InstrumentId` string, ``SYMBOL.VENUE`` split at the last ``.`` (ASCII venue)."""
    symbol, dot, venue = value.rpartition(".") if isinstance(value, str) else ("", "", "")
    if not dot or not symbol.strip() or symbol != symbol.strip() or not venue.strip():
        raise ConfigError(f"`{field}` must be 'SYMBOL.VENUE' such as 'EURUSD.MT5', was {value!r}")
    if not venue.isascii():
        raise ConfigError(f"`{field}` {value!r}: the venue {venue!r} must be ASCII, e.g. 'MT5'")
    return str(value)


def _missing(value: Any, allowed: Iterable[object], upper: bool) -> str | None:
    """None if `value` is one of `allowed` (upper-cased first if `upper`), else the choices."""
    choices = tuple(allowed)
    key = value.upper() if upper and isinstance(value, str) else value
    return None if key in choices else ", ".join(map(str, choices))


def check_choice(
    field: str, value: Any, allowed: Iterable[object], *, note: str = "", upper: bool = False
) -> Any:
    """`value` if it is one of `allowed` (compared upper-cased if `upper`), else a `ConfigError`:
    "`field` must be one of A, B, was 'x'" and `note` (e.g. what the choice means)."""
    if (choices := _missing(value, allowed, upper)) is not None:
        raise ConfigError(f"`{field}` must be one of {choices}, was {value!r}{note}")
    return value


def check_known(field: str, value: Any, known: Iterable[object], *, upper: bool = False) -> Any:
    """`value` if it names one of `known` (compared upper-cased if `upper`), else a
    `ConfigError`: "`field` 'x' is unknown: use one of A, B" (for names of registries/modes)."""
    if (choices := _missing(value, known, upper)) is not None:
        raise ConfigError(f"`{field}` {value!r} is unknown: use one of {choices}")
    return value


def check_positive(
    field: str, value: Any, *, finite: bool = False, what: str = "", note: str = ""
) -> Any:
    """`value` if it is > 0 (NaN is not; finite too if `finite`), else a `ConfigError`:
    "`field` must be positive`what`, was v`note`"."""
    if not value > 0 or (finite and not math.isfinite(value)):
        raise ConfigError(f"`{field}` must be positive{what}, was {value}{note}")
    return value


def check_minimum(
    field: str,
    value: Any,
    minimum: float,
    *,
    strict: bool = False,
    optional: bool = False,
    what: str = "",
) -> Any:
    """`value` if it is >= `minimum` (> if `strict`; NaN, `None` or text is not, `None` is if
    `optional`), else a `ConfigError`: "`field` must be >= minimum`what`[ or None], was v"."""
    if optional and value is None:
        return value
    try:
        fits = value > minimum if strict else value >= minimum
    except TypeError:  # None or text where a number belongs
        fits = False
    if not fits:
        bound = f"{'>' if strict else '>='} {minimum}{what}{' or None' if optional else ''}"
        raise ConfigError(f"`{field}` must be {bound}, was {value}")
    return value


def check_log_level(field: str, value: object) -> str:
    """A Nautilus log level name (case-insensitive)."""
    return str(check_choice(field, value, LOG_LEVELS, upper=True))


def check_rate_limit(field: str, value: object) -> str:
    """A Nautilus throttle rate, ``<count>/HH:MM:SS`` with a positive count and interval."""
    match = _RATE.match(value) if isinstance(value, str) else None
    if (
        match is None
        or int(match.group(1)) < 1
        or pd.to_timedelta(match.group(2)) <= pd.Timedelta(0)
    ):
        raise ConfigError(
            f"`{field}` must be '<count>/HH:MM:SS' with a positive count and interval, "
            f"e.g. '100/00:00:01', was {value!r}",
        )
    return str(value)


def check_currency(field: str, value: object) -> str:
    """An ISO currency code Nautilus knows (upper case, e.g. ``USD``)."""
    if not isinstance(value, str) or known_currency(value) is None:
        raise ConfigError(
            f"`{field}` must be a known ISO currency code such as 'USD', was {value!r}"
        )
    return value


def check_folder(field: str, path: str | os.PathLike[str]) -> Path:
    """A folder the toolkit writes into: an existing directory or a path not taken yet.

    Checked before the work starts, so that a path naming a file fails at once with its field
    instead of as an `OSError` after training or an evaluation ran.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"`{field}` {str(folder)!r} is a file, expected a folder")
    return folder


def _was(value: object) -> str:
    text = repr(value)
    return f"was {text if len(text) <= 80 else text[:77] + '...'} ({type(value).__name__})"


def check_instance(field: str, value: Any, expected: type | tuple[type, ...], what: str) -> Any:
    """`value` if it is an instance of `expected` (a bool is no number), else a `ConfigError`.

    For the arguments of notebook helpers, which would otherwise fail later with an
    `AttributeError`/`TypeError` that names neither the argument nor what it should be.
    """
    kinds = expected if isinstance(expected, tuple) else (expected,)
    if not isinstance(value, expected) or (isinstance(value, bool) and bool not in kinds):
        raise ConfigError(f"`{field}` must be {what}, {_was(value)}")
    return value


def check_callable(field: str, value: Any, what: str) -> Any:
    """`value` if it can be called, else a `ConfigError` naming `field` and `what` it should be."""
    if not callable(value):
        raise ConfigError(f"`{field}` must be {what}, {_was(value)}")
    return value


def check_number(field: str, value: Any, minimum: float = 0.0, *, integer: bool = False) -> Any:
    """A finite int/float (an int if `integer`; never a bool) that is at least `minimum`."""
    number: type | tuple[type, ...] = int if integer else (int, float)
    what = f"{'an int' if integer else 'a finite number'} >= {minimum:g}"
    check_instance(field, value, number, what)
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"`{field}` must be {what}, {_was(value)}")
    return value


def check_notional_map(field: str, value: Mapping[str, object]) -> Mapping[str, object]:
    """A risk engine notional map: instrument id string -> positive amount."""
    for instrument_id, amount in value.items():
        where = f"{field}[{instrument_id!r}]"
        check_instrument_id(where, instrument_id)
        try:
            number = Decimal(str(amount))
            positive = not isinstance(amount, bool) and number.is_finite() and number > 0
        except InvalidOperation:
            positive = False
        if not positive:
            raise ConfigError(f"`{where}` must be a positive amount, was {amount!r}")
    return value


def _identifier_check(annotation: Any) -> Any:
    """The check for a field annotated `annotation` (an identifier, optional or in a list)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, tuple, set):
        checks = {_identifier_check(arg) for arg in typing.get_args(annotation)} - {None}
        return checks.pop() if len(checks) == 1 else None
    if annotation is InstrumentId:
        return check_instrument_id
    if annotation is TraderId:
        return check_trader_id
    if annotation is StrategyId:
        return check_strategy_id
    if isinstance(annotation, type) and issubclass(annotation, IDENTIFIERS):
        return check_identifier
    return None


def check_identifier_fields(field: str, config_class: type, data: Mapping[str, Any]) -> None:
    """Check the values in `data` of `config_class`'s fields typed as Nautilus identifiers.

    For plain data a Nautilus config will decode later (a file, an importable component's
    `config`): decoding `instrument_id`, `component_id`, `strategy_id`, ... (or lists of them)
    is where a bad string aborts the process. Errors name `field.<name>` (`<name>` when
    `field` is empty).
    """
    types_by_name = typing.get_type_hints(config_class)
    for name, value in data.items():
        check = _identifier_check(types_by_name.get(name))
        if check is not None and value is not None:
            for item in value if isinstance(value, list | tuple) else [value]:
                check(f"{field}.{name}" if field else name, item)


def check_component_config(
    field: str, component: ImportableStrategyConfig | ImportableActorConfig
) -> None:
    """Check the Nautilus strings in an importable actor/strategy's `config` mapping.

    Nautilus decodes them only when the node builds the component. Besides the identifier
    fields, a strategy's `order_id_tag` (it becomes part of the `StrategyId`) and `oms_type`
    are checked.
    """
    try:
        config_class = resolve_config_path(component.config_path)
    except (ImportError, AttributeError, TypeError, ValueError) as e:
        raise ConfigError(f"`{field}.config_path` {component.config_path!r}: {e}") from e
    check_identifier_fields(f"{field}.config", config_class, component.config)
    if isinstance(component, ImportableStrategyConfig):
        tag = component.config.get("order_id_tag")
        if tag is not None:
            check_identifier(f"{field}.config.order_id_tag", tag, "001")
        oms_type = component.config.get("oms_type")
        if oms_type is not None:
            check_choice(
                f"{field}.config.oms_type",
                oms_type,
                enum_names(OmsType),
                note=" (or None)",
                upper=True,
            )
