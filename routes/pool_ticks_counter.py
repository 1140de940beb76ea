"""How many initialized ticks QuoterV2 reports a swap as crossing.

Ported from v3-periphery/contracts/libraries/PoolTicksCounter.sol (countInitializedTicksCrossed),
which QuoterV2 calls with the pool's tick before and after the swap. Its quirks are kept on purpose
so that our count equals QuoterV2's `initializedTicksCrossed`:
- it compresses with Solidity `/`, which truncates toward zero, so for a negative tick that is not a
  multiple of the spacing the range can include one extra compressed tick on the zero side;
- the compressed ticks of both end points are counted when initialized, less one end point only
  if the tick sits exactly on it and the direction says it was not crossed; so a small swap
  inside the range just above an initialized tick reports 1 although nothing was crossed.
"""

from __future__ import annotations

from bisect import bisect_left


def _truncating_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def count_initialized_ticks_crossed(
    ticks: tuple[tuple[int, int], ...], tick_spacing: int, tick_before: int, tick_after: int
) -> int:
    """QuoterV2's initializedTicksCrossed for a move of the pool tick from tick_before to tick_after."""
    c_before = _truncating_div(tick_before, tick_spacing)
    c_after = _truncating_div(tick_after, tick_spacing)
    lo, hi = (c_before, c_after) if c_before <= c_after else (c_after, c_before)
    # (word, bit) ordering in the bitmap is the same as ordering of compressed ticks
    count = bisect_left(ticks, (hi * tick_spacing + 1,)) - bisect_left(ticks, (lo * tick_spacing,))

    def is_initialized(tick: int) -> bool:
        i = bisect_left(ticks, (tick,))
        return i < len(ticks) and ticks[i][0] == tick

    if tick_before > tick_after and tick_after % tick_spacing == 0 and is_initialized(tick_after):
        count -= 1
    if tick_before < tick_after and tick_before % tick_spacing == 0 and is_initialized(tick_before):
        count -= 1
    return count
