"""Grouping of rows by record key with bounded memory.

Line-level exports repeat the invoice header on every line and need not keep an invoice's lines together, so no
invoice is complete before the whole file is read. Rows are grouped in a dict while the file is small. Past
`max_rows_in_memory` rows, every row goes to one of N bucket files on disk chosen by a stable hash of its key
(N grows with the document size, so each bucket stays around `bucket_bytes` of text); then buckets are read back
one at a time and grouped in memory. All rows of a key land in the same bucket, in file order, so groups are
complete; memory holds one bucket, whatever the file size.
"""

from __future__ import annotations

import marshal
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from zlib import crc32

from stampli_files.rows import Payload

DEFAULT_MAX_ROWS_IN_MEMORY = 20_000
DEFAULT_BUCKET_BYTES = 4 << 20
_BLOCK_ROWS = 2_000  # rows per marshal block: few Python-level calls, small write buffers


class RowGroups:
    """Collects row payloads per key; `groups()` yields (key, payloads in file order) once per key. Use once."""

    def __init__(
        self,
        workdir: Path,
        expected_bytes: int = 0,
        max_rows_in_memory: int = DEFAULT_MAX_ROWS_IN_MEMORY,
        bucket_bytes: int = DEFAULT_BUCKET_BYTES,
    ) -> None:
        self._workdir = workdir
        self._expected_bytes = expected_bytes
        self._max_rows = max_rows_in_memory
        self._bucket_bytes = bucket_bytes
        self._groups: dict[str, list[Payload]] = {}
        self._rows_in_memory = 0
        self._buckets: list[BinaryIO] = []
        self._pending: list[list[tuple[Any, ...]]] = []

    @property
    def spilled(self) -> bool:
        return bool(self._buckets)

    @property
    def bucket_count(self) -> int:
        return len(self._buckets)

    def add(self, key: str, row: Payload) -> None:
        if not self._buckets:
            group = self._groups.get(key)
            if group is None:
                self._groups[key] = [row]
            else:
                group.append(row)
            self._rows_in_memory += 1
            if self._rows_in_memory > self._max_rows:
                self._spill()
            return
        self._to_bucket(key, row)

    def _to_bucket(self, key: str, row: Payload) -> None:
        index = crc32(key.encode()) % len(self._buckets)  # stable: same order on every run
        block = self._pending[index]
        block.append((key, row))
        if len(block) >= _BLOCK_ROWS:
            _write_block(self._buckets[index], block)
            block.clear()

    def _spill(self) -> None:
        count = max(2, math.ceil(self._expected_bytes / self._bucket_bytes))
        self._buckets = [(self._workdir / f"group-bucket-{i}.bin").open("w+b") for i in range(count)]
        self._pending = [[] for _ in range(count)]
        groups, self._groups, self._rows_in_memory = self._groups, {}, 0
        for key, rows in groups.items():
            for row in rows:
                self._to_bucket(key, row)

    def groups(self) -> Iterator[tuple[str, list[Payload]]]:
        if not self._buckets:
            groups, self._groups = self._groups, {}
            for key in list(groups):
                yield key, groups.pop(key)  # pop as we go: memory is released group by group
            return
        try:
            for index, bucket in enumerate(self._buckets):
                if self._pending[index]:
                    _write_block(bucket, self._pending[index])
                    self._pending[index] = []
                bucket.flush()
                bucket.seek(0)
                groups: dict[str, list[Payload]] = {}
                while (block := _read_block(bucket)) is not None:
                    for key, row in block:
                        group = groups.get(key)
                        if group is None:
                            groups[key] = [row]
                        else:
                            group.append(row)
                bucket.close()
                for key in list(groups):
                    yield key, groups.pop(key)
        finally:
            self.close()

    def close(self) -> None:
        for bucket in self._buckets:
            bucket.close()
            Path(bucket.name).unlink(missing_ok=True)
        self._buckets = []
        self._pending = []
        self._groups = {}


# Length-prefixed marshal blocks: marshal.load() on a file object reads in tiny pieces; loads() on one read is fast.
def _write_block(bucket: BinaryIO, block: list[tuple[Any, ...]]) -> None:
    data = marshal.dumps(block)
    bucket.write(len(data).to_bytes(8, "little"))
    bucket.write(data)


def _read_block(bucket: BinaryIO) -> list[tuple[Any, ...]] | None:
    size = bucket.read(8)
    if not size:
        return None
    return marshal.loads(bucket.read(int.from_bytes(size, "little")))  # type: ignore[no-any-return]
