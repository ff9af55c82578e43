"""Which NautilusTrader line is installed: the toolkit runs on 1.221 (Cython) and on 2.0 (Rust core).

``NT2`` is a constant mypy understands (``always_false = ["NT2"]`` on 1.221), so each line's branch
of the modules in ``nautilus_rl_lab.nt`` is type-checked against its own package.
"""

from __future__ import annotations

from importlib.metadata import version

NAUTILUS_VERSION = version("nautilus_trader")
NT2 = int(NAUTILUS_VERSION.split(".", 1)[0]) >= 2
