"""Band fills: ECF1's `BandingCalculator` (payments.md §2.3) and ECF2's `BandAllocator` (§8).

Both take the bands' capacities (band A first) and the counts of one declaration type; both are
pure and integer-only, so the stage can run them for every statement and type at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BandFill:
    """ECF1 result for one declaration type, one entry per band (A first)."""

    previous: tuple[int, ...]
    additions: tuple[int, ...]
    subtractions: tuple[int, ...]
    count: tuple[int, ...]
    unpaid: int          # billables beyond the last band's room: attached, never paid
    unrecovered: int     # refundables with nothing left to come off


def ecf1_band_fill(capacities: tuple[int, ...], prev_billable: int, prev_refundable: int,
                   cur_billable: int, cur_refundable: int) -> BandFill:
    """payments.md §2.3, steps 1–4."""
    bands = range(len(capacities))
    previous, additions, subtractions = [0] * len(capacities), [0] * len(capacities), [0] * len(capacities)
    # As the code: a net below zero (more earlier refunds than billables) is not floored.
    pot = prev_billable - prev_refundable
    for i in bands:  # step 1: the net previous fill, bottom-up; any excess is ignored
        previous[i] = min(pot, capacities[i])
        pot -= previous[i]
    pot = cur_billable
    for i in bands:  # step 2: this statement's billables into the room left
        additions[i] = min(pot, capacities[i] - previous[i])
        pot -= additions[i]
    unpaid = pot
    count = list(additions)
    pot = cur_refundable
    for i in reversed(bands):  # step 3: refundables cancel this statement's additions, top band first
        take = min(count[i], pot)
        count[i] -= take
        subtractions[i] = take
        pot -= take
    for i in reversed(bands):  # step 4: then come off the previous fill, top band first
        if pot == 0:
            break
        if previous[i] == 0:
            continue
        take = min(pot, previous[i])
        pot -= take
        count[i] -= take
        subtractions[i] += take
    return BandFill(tuple(previous), tuple(additions), tuple(subtractions), tuple(count), unpaid, pot)


@dataclass(frozen=True)
class Allocation:
    """ECF2 `BandAllocation` for one band."""

    capacity: int
    previous_billable_count: int = 0
    previous_refundable_count: int = 0
    billable_count: int = 0
    refundable_count: int = 0

    @property
    def net_billable_count(self) -> int:
        return (self.previous_billable_count + self.billable_count
                - self.previous_refundable_count - self.refundable_count)

    @property
    def available_capacity(self) -> int:
        return max(self.capacity - self.net_billable_count, 0)


def ecf2_allocate(capacities: tuple[int, ...], prev_billable: int, prev_refundable: int,
                  cur_billable: int, cur_refundable: int) -> tuple[Allocation, ...]:
    """ECF2's four passes: previous billable A→D (excess dropped), previous refundable D→A,
    current billable A→D, current refundable D→A, each against the band's running net."""
    size = len(capacities)
    # per band: [previous billable, previous refundable, billable, refundable]
    bands = [[0, 0, 0, 0] for _ in capacities]

    def net(i: int) -> int:
        return bands[i][0] + bands[i][2] - bands[i][1] - bands[i][3]

    def room(i: int) -> int:
        return max(capacities[i] - net(i), 0)

    for count, field, order, limit in ((prev_billable, 0, range(size), room),
                                       (prev_refundable, 1, range(size - 1, -1, -1), net),
                                       (cur_billable, 2, range(size), room),
                                       (cur_refundable, 3, range(size - 1, -1, -1), net)):
        for i in order:
            if count == 0:
                break
            amount = min(count, limit(i))
            bands[i][field] += amount
            count -= amount
    return tuple(Allocation(capacity, *band) for capacity, band in zip(capacities, bands))
