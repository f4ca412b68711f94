"""`commands.collection.paused`: no cyclic collection while a CIB is read, the collector restored after."""

from __future__ import annotations

import gc

import pytest

from placement.commands.collection import paused


@pytest.fixture(autouse=True)
def _unfrozen():
    yield
    gc.unfreeze()  # what a test froze goes back to the collector (the test process lives on)
    gc.enable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(enabled):
    (gc.enable if enabled else gc.disable)()
    with paused():
        assert not gc.isenabled()
        built = [[] for _ in range(100)]
    assert gc.isenabled() is enabled
    assert gc.get_freeze_count() >= len(built)  # what the block built is out of the collector's walks


def test_an_error_inside_still_restores_the_collector():
    gc.enable()
    with pytest.raises(ValueError), paused():
        raise ValueError("unreadable CIB")
    assert gc.isenabled()
