"""Exception hierarchy: every error the library raises on purpose derives from `NautilusRLLabError`."""

from __future__ import annotations


class NautilusRLLabError(Exception):
    """Raised for any error the library detects itself (base class)."""


class DataValidationError(NautilusRLLabError, ValueError):
    """Raised when market data is malformed; the message names the source, row/field and expectation."""


class ConfigError(NautilusRLLabError, ValueError):
    """Raised when a config is invalid; the message names the field in backticks and how to fix it."""


class UnknownInstrumentError(NautilusRLLabError, KeyError):
    """Raised when an instrument id or symbol is not known to the provider or catalog."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class EnvironmentStateError(NautilusRLLabError, RuntimeError):
    """Raised when an environment is used out of order (step before reset, step after done, after close)."""


class MissingExtraError(NautilusRLLabError, ImportError):
    """Raised when an optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"`{package}` is not installed; install the optional extra with "
            f"`pip install nautilus_rl_lab[{extra}]`",
        )


class Mt5Error(NautilusRLLabError, RuntimeError):
    """Raised when a MetaTrader 5 call fails; carries MT5's `last_error()` code and description."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message if code is None else f"{message} (MT5 code {code})")
        self.code = code


class ValuationError(NautilusRLLabError, RuntimeError):
    """Raised when an account cannot be valued (no quote or exchange rate); never read as zero."""


class CheckpointError(NautilusRLLabError, RuntimeError):
    """Raised when a run cannot resume: its checkpoints are all missing files or damaged."""


def error_line(error: Exception) -> tuple[str, int]:
    """A command's one-line report of `error` and its exit status.

    Bad input is 2 (as argparse's): an error the library detects, or one the operating system
    reports for a path or address the user gave (`OSError`: a missing file, a busy port).
    Anything else is a defect: 1, with its type named and a pointer to `--verbose`.
    """
    if isinstance(error, NautilusRLLabError | OSError):
        return " ".join(str(error).split()), 2
    text = " ".join(f"unexpected {type(error).__name__}: {error}".split())
    return f"{text} (rerun with --verbose for the traceback)", 1
