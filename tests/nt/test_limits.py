"""The price and quantity limits are the largest values Nautilus' `Price`/`Quantity` accept."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.nt.limits import PRICE_MAX, QUANTITY_MAX
from nautilus_rl_lab.nt.model import Price, Quantity


@pytest.mark.parametrize(("kind", "limit"), [(Price, PRICE_MAX), (Quantity, QUANTITY_MAX)])
def test_the_limit_is_accepted_and_one_more_is_refused(kind: type, limit: float) -> None:
    assert str(kind(limit, 2)) == f"{limit:.2f}"
    with pytest.raises(ValueError):
        kind(limit + 1, 2)
