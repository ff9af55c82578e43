"""Adapters connecting Nautilus to outside venues and terminals (MetaTrader 5)."""
