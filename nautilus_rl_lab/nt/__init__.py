"""NautilusTrader's names at the addresses of its 2.0 layout, on 1.221 as on 2.0.

Library code, tests and benchmarks import Nautilus through these modules (``nt.model`` for
``nautilus_trader.model`` and so on), so the move to 2.0 changes one package, not every file.
"""
