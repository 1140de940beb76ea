"""The tick-bitmap walk, emulated on a snapshot's sorted tuple of initialized ticks.

Ported from v3-core/contracts/libraries/TickBitmap.sol (position, nextInitializedTickWithinOneWord).
The pool keeps one bit per compressed tick (tick // tick_spacing, rounded toward negative
infinity) in 256-bit words, and a swap step never looks past the current word. We find the
same answer with a binary search over `ticks` instead of reading bits, but stop at exactly the
same word boundaries, because splitting a swap step at a boundary changes its rounding.

`ticks` is V3Pool.ticks: ((tick, liquidity_net), ...) sorted by tick; every entry counts as
initialized (a tick with liquidity_net == 0 but liquidity_gross > 0 is still initialized on chain).
"""

from __future__ import annotations

from bisect import bisect_left


def position(compressed: int) -> tuple[int, int]:
    """(word_pos, bit_pos) of a compressed tick, as TickBitmap.position (int16 word, uint8 bit)."""
    return compressed >> 8, compressed & 0xFF


def find_next_in_word(
    ticks: tuple[tuple[int, int], ...], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, int]:
    """Like next_initialized_tick_within_one_word, but return (next_tick, index into ticks or -1)."""
    compressed = tick // tick_spacing  # floor division: the Solidity "round towards negative infinity"
    if lte:
        word_start = ((compressed >> 8) << 8) * tick_spacing
        i = bisect_left(ticks, (compressed * tick_spacing + 1,)) - 1
        if i >= 0 and ticks[i][0] >= word_start:
            return ticks[i][0], i
        return word_start, -1
    start = (compressed + 1) * tick_spacing
    word_end = ((((compressed + 1) >> 8) << 8) + 255) * tick_spacing
    i = bisect_left(ticks, (start,))
    if i < len(ticks) and ticks[i][0] <= word_end:
        return ticks[i][0], i
    return word_end, -1


def next_initialized_tick_within_one_word(
    ticks: tuple[tuple[int, int], ...], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """(next, initialized): the next initialized tick at or left of (lte) / right of `tick`,
    or the last tick of the current bitmap word in that direction if none is initialized."""
    next_tick, index = find_next_in_word(ticks, tick, tick_spacing, lte)
    return next_tick, index >= 0
