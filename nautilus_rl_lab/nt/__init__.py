"""NautilusTrader's names at the addresses of its 2.0 layout, and what the toolkit builds on them.

Library code, tests and benchmarks import Nautilus through these modules (``nt.model`` for
``nautilus_trader.model`` and so on), so a move of Nautilus' names changes one package, not every file.
"""
