"""The glyph atlas's bookkeeping: shelf packing of rasterised text runs, growth, LRU eviction.

Entries are whole text runs (one quad each: glyph count drives the cost on SwiftShader, not pixels),
keyed by (text, font, pixel ratio). The atlas grows by doubling up to :data:`MAX_SIZE`; when it is full
at that size the least recently used entries are dropped and the atlas is repacked.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

START_SIZE = 1024
MAX_SIZE = 4096
PAD = 1  # transparent pixels around each entry (linear sampling never bleeds into a neighbour)


@dataclass(frozen=True, slots=True)
class Slot:
    x: int
    y: int
    w: int
    h: int


class Atlas:
    def __init__(self, size: int = START_SIZE, max_size: int = MAX_SIZE) -> None:
        self.size = size
        self.max_size = max_size
        self.entries: OrderedDict[tuple[str, str, float], Slot] = OrderedDict()
        self._shelves: list[list[int]] = []  # [y, height, next x]
        self._bottom = 0
        self.generation = 0  # bumped when every slot moved (grown or repacked): the texture is redrawn

    def get(self, key: tuple[str, str, float]) -> Slot | None:
        slot = self.entries.get(key)
        if slot is not None:
            self.entries.move_to_end(key)
        return slot

    def _place(self, w: int, h: int) -> Slot | None:
        w, h = w + 2 * PAD, h + 2 * PAD
        if w > self.size:
            return None
        for shelf in self._shelves:
            if shelf[1] >= h and shelf[1] <= h * 1.5 and shelf[2] + w <= self.size:
                shelf[2] += w
                return Slot(shelf[2] - w + PAD, shelf[0] + PAD, w - 2 * PAD, h - 2 * PAD)
        if self._bottom + h > self.size:
            return None
        self._shelves.append([self._bottom, h, w])
        self._bottom += h
        return Slot(PAD, self._bottom - h + PAD, w - 2 * PAD, h - 2 * PAD)

    def add(self, key: tuple[str, str, float], w: int, h: int, keep: set[tuple[str, str, float]]) -> Slot:
        """Place a new entry; grow or evict (never an entry in ``keep``, this frame's) when full."""
        slot = self._place(w, h)
        while slot is None:
            if self.size < self.max_size:
                self.size *= 2
            else:
                for old in [k for k in self.entries if k not in keep][: max(1, len(self.entries) // 2)]:
                    del self.entries[old]
            self._repack()
            slot = self._place(w, h)
            if slot is None and self.size >= self.max_size and all(k in keep for k in self.entries):
                slot = Slot(0, 0, min(w, self.size), min(h, self.size))  # larger than the atlas: clipped
        self.entries[key] = slot
        return slot

    def _repack(self) -> None:
        old = list(self.entries.items())
        self.entries.clear()
        self._shelves, self._bottom = [], 0
        self.generation += 1
        for key, slot in old:
            placed = self._place(slot.w, slot.h)
            if placed is not None:
                self.entries[key] = placed
