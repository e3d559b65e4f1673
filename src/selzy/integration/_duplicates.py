"""One rule for rows that share an address, in one call and across the calls of a stream.

The later row wins, and the earlier one gets a ``duplicate`` note naming it once the later row
is accepted. In one call :class:`ImportCall` merges the two (one row, the later values). Across
the calls of :func:`import_records` this module keeps the rule: a row whose address an earlier
call sent is sent as usual, but only after that call was answered, so Selzy applies the later
row last whatever the concurrency; and the earlier row gets its note.

Memory stays bounded: an 8-byte fingerprint of each address seen and the id of the last row
that had it, in two flat arrays (at most 48 bytes an address, 24 on average; an id that is not
an integer, rare in a stream, is kept in a dict). A fingerprint is 64 bits of the address's
hash: two addresses of a ten-million-row file share one with a chance of about one in 200,000,
which would only add a wrong note. A resumed run knows the addresses from its resume point on.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace

from ._calls import duplicate_note, upsert_key
from ._changes import Change
from ._job import ImportJob

_MASK = (1 << 64) - 1
_LOWEST, _HIGHEST = -(1 << 63), (1 << 63) - 1
_NOT_AN_INT = _LOWEST  # the id slot of an address whose last id is kept in the dict
_START = 1024


class AddressTable:
    """Address fingerprints -> the source id of the last row with that address.

    Open addressing with linear probing over two arrays; 0 marks a free slot. Grows to twice
    its size past two thirds full.
    """

    def __init__(self) -> None:
        self._keys = array("Q", bytes(8 * _START))
        self._ids = array("q", bytes(8 * _START))
        self._others: dict[int, Hashable] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _slot(self, fingerprint: int) -> int:
        keys, mask = self._keys, len(self._keys) - 1
        index = fingerprint & mask
        while (key := keys[index]) and key != fingerprint:
            index = (index + 1) & mask
        return index

    def swap(self, fingerprint: int, source_id: Hashable) -> tuple[bool, Hashable]:
        """Record ``source_id`` for ``fingerprint``; ``(True, the id before)`` when it was
        known, ``(False, None)`` when it is new."""
        index = self._slot(fingerprint)
        known = bool(self._keys[index])
        before: Hashable = None
        if known:
            before = self._ids[index]
            if before == _NOT_AN_INT:
                before = self._others.pop(fingerprint)
        self._keys[index] = fingerprint
        if type(source_id) is int and _LOWEST < source_id <= _HIGHEST:  # not a bool either
            self._ids[index] = source_id
        else:
            self._ids[index] = _NOT_AN_INT
            self._others[fingerprint] = source_id
        if not known:
            self._count += 1
            if 3 * self._count > 2 * len(self._keys):
                self._grow()
        return known, before

    def _grow(self) -> None:
        keys, ids = self._keys, self._ids
        size = 2 * len(keys)
        self._keys, self._ids = array("Q", bytes(8 * size)), array("q", bytes(8 * size))
        for key, source_id in zip(keys, ids, strict=True):
            if key:
                index = self._slot(key)
                self._keys[index], self._ids[index] = key, source_id


def fingerprint(key: tuple[str, str]) -> int:
    """64 bits of an address key, never 0 (a free slot)."""
    return (hash(key) & _MASK) or 1


class Duplicates:
    """A stream's duplicates: notes for the rows later ones replace, and which calls wait."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.seen = AddressTable()
        self._flying: dict[int, int] = {}  # fingerprint -> the call in flight that sends it

    def scan(self, changes: list[Change]) -> tuple[int, ...]:
        """Note in ``changes`` (one call's) the rows of earlier calls they replace; the
        fingerprints of the addresses the call sends."""
        job, first, last = self.job, {}, {}
        for index, change in enumerate(changes):
            if change.state is None or change.kind not in ("new", "update", "move"):
                continue
            key = fingerprint(upsert_key(job, change))
            last[key] = change.source_id
            if key in first:
                continue  # the same call: ImportCall merges them and notes the earlier
            first[key] = index
        for key, source_id in last.items():
            known, earlier = self.seen.swap(key, source_id)
            if known:
                change = changes[first[key]]
                note = duplicate_note(job, change, earlier, change.position)
                changes[first[key]] = replace(change, notes=(*change.notes, note))
        return tuple(first)

    def ready(self, keys: Iterable[int]) -> bool:
        """Whether a call sending ``keys`` may go: no call in flight sends one of them."""
        flying = self._flying
        return not flying or not any(key in flying for key in keys)

    def launch(self, number: int, keys: Sequence[int]) -> None:
        """Call ``number``, sending ``keys``, is in flight."""
        for key in keys:
            self._flying[key] = number

    def land(self, number: int, keys: Sequence[int]) -> None:
        """Call ``number`` was answered (or failed)."""
        for key in keys:
            if self._flying.get(key) == number:
                del self._flying[key]
