"""The collector paused for imports; a publish step's collections skip the objects alive before it, and still free the cycles it makes."""

from __future__ import annotations

import gc
import weakref

from govreport.collector import collecting_only_new_objects, collector_paused


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_made_during_the_step_are_still_collected_and_the_heap_is_given_back():
    seen = {}

    @collecting_only_new_objects
    def step() -> int:
        seen["frozen"] = gc.get_freeze_count()
        made = weakref.ref(Node())
        gc.collect()
        seen["freed"] = made() is None
        return 7

    before = Node()
    assert step() == 7
    assert seen["frozen"] > 0  # what was alive at the start was out of the collector's reach
    assert seen["freed"]  # what the step made and dropped was not
    assert gc.get_freeze_count() == 0  # and the heap is the collector's again afterwards
    old = weakref.ref(before)
    del before
    gc.collect()
    assert old() is None


def test_a_step_inside_a_step_leaves_the_freezing_to_the_outer_one():
    @collecting_only_new_objects
    def inner() -> int:
        return gc.get_freeze_count()

    @collecting_only_new_objects
    def outer() -> tuple[int, int]:
        during = inner()
        return during, gc.get_freeze_count()

    during, after_inner = outer()
    assert during > 0 and after_inner > 0  # the inner step did not unfreeze the outer one's heap
    assert gc.get_freeze_count() == 0


def test_the_collector_is_paused_inside_the_block_and_given_back_after_it_even_on_an_error():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with collector_paused():
            raise KeyError("an import failed")
    except KeyError:
        pass
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
