"""A mapping that holds at most a byte budget, least recently used dropped first.

Why: a Verifier used to keep every tile's keypoints for its whole life (SIFT at 512 px: 1,500
keypoints, ~0.78 MB a tile), so locating a long flight over a large area held O(tiles visited)
memory: 2,000 tiles ~1.6 GB, 10,000 ~7.8 GB, more than an 8 GB laptop can give (session 29,
training/results/ram29_session29.md). A tile dropped here is described again when asked for (SIFT
is deterministic; a learned backend reads its keypoint cache on disk), so answers do not change,
only the time. `functools.lru_cache` counts entries, not bytes, and cannot be filled from outside
a call, hence this small class.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class BytesLRU(Generic[V]):
    """key -> value, the sum of `size(value)` (bytes) kept at most `budget` by dropping the least
    recently used entries (a `get` or a `put` uses an entry). One value larger than the budget by
    itself is still kept, alone, until the next put. Thread-safe (one lock per instance).

    `budget`: bytes (>= 0). `size`: bytes a value holds (an int >= 0). Raises ValueError for a
    negative budget."""

    def __init__(self, budget: int, size: Callable[[V], int]):
        if budget < 0:
            raise ValueError(f"a byte budget cannot be negative ({budget})")
        self.budget = int(budget)
        self._size = size
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.dropped = 0  # entries dropped to keep the budget (read by benchmarks and tests)

    def get(self, key: Hashable, default=None):
        """The value kept for `key` (now the most recently used), else `default`."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return default
            self._items.move_to_end(key)
            return found[0]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __getitem__(self, key: Hashable) -> V:
        with self._lock:
            found = self._items[key]  # KeyError as a dict's
            self._items.move_to_end(key)
            return found[0]

    def __setitem__(self, key: Hashable, value: V) -> None:
        self.put(key, value)

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` for `key` (replacing what was there), drop the least recently used others
        while over the budget; returns `value`."""
        n = int(self._size(value))
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, n)
            self._bytes += n
            while self._bytes > self.budget and len(self._items) > 1:
                _, (_, gone) = self._items.popitem(last=False)
                self._bytes -= gone
                self.dropped += 1
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def nbytes(self) -> int:
        """Bytes held now (the sum of size() of the values kept)."""
        with self._lock:
            return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
