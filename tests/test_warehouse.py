"""The warehouse interface on both engines: runs are serialised by the run lock."""

from __future__ import annotations

import pytest

from warehouse import Warehouse, WarehouseBusy, open_warehouse


def test_a_second_run_waits_for_the_first(seeded_warehouse: Warehouse) -> None:
    # Another run on the same warehouse (its own connections) must not start.
    with (
        seeded_warehouse.run_lock(timeout_seconds=5),
        open_warehouse(seeded_warehouse.location) as other,
        pytest.raises(WarehouseBusy, match="another run"),
        other.run_lock(timeout_seconds=1),
    ):
        pass
    # Once the first run ends, the next one goes ahead.
    with open_warehouse(seeded_warehouse.location) as other, other.run_lock(timeout_seconds=1):
        pass
