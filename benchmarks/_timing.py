"""The timing every benchmark script uses: the shortest of several calls."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def best(fn: Callable[[], Any], repeat: int = 3, collect: bool = False) -> tuple[float, Any]:
    """(shortest wall time [s] of ``repeat`` calls of ``fn``, the last call's result);
    ``collect``: a garbage collection before each call, outside the timing."""
    seconds, out = float("inf"), None
    for _ in range(max(1, int(repeat))):
        if collect:
            gc.collect()
        t0 = time.perf_counter()
        out = fn()
        seconds = min(seconds, time.perf_counter() - t0)
    return seconds, out


def side_by_side(
    ours: Callable[[], Any], peer: Callable[[], Any], repeat: int = 3
) -> tuple[float, float]:
    """(shortest wall time [s] of ``ours``, of ``peer``) over ``repeat`` rounds that call
    one after the other: a slow spell of the machine meets both alike."""
    a = b = float("inf")
    for _ in range(max(1, int(repeat))):
        a = min(a, best(ours, 1)[0])
        b = min(b, best(peer, 1)[0])
    return a, b
