"""Canonical Arrow tables → Parquet in the staged zone, streamed batch by batch.

A batch of raw objects becomes one Parquet file per dataset under
`staged/source=<source>/dataset=<table>/<batch id>.parquet`; row groups are written as parsed
batches arrive, to a local temporary file, so memory stays flat however long the history is.
The batch id is derived from the raw keys it holds, so a rerun rewrites the same object.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from collecte.metering.records import DATASETS, Dataset


def batch_id(raw_keys: Iterable[str]) -> str:
    """A stable id for a set of raw objects (order-insensitive)."""
    digest = hashlib.sha256("\n".join(sorted(raw_keys)).encode()).hexdigest()
    return digest[:24]


def staged_key(source: str, table: str, batch: str) -> str:
    """Where a batch's Parquet file for one dataset lives."""
    return f"staged/source={source}/dataset={table}/{batch}.parquet"


@dataclass
class ParquetStream:
    """Parquet writers per dataset, appending one row group per parsed batch, to local files."""

    folder: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="collecte-staged-"))
    compression: str = "lz4"
    _writers: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    meters: dict[str, set[str]] = field(default_factory=dict)  # dataset -> meters it holds (subject index)

    def path(self, table: str) -> str:
        """Local file of one dataset."""
        os.makedirs(self.folder, exist_ok=True)
        return os.path.join(self.folder, f"{table}.parquet")

    def write(self, tables: dict[str, Any]) -> None:
        """Append each dataset's table (already in its canonical schema)."""
        import pyarrow.parquet as pq

        for table, data in tables.items():
            if not data.num_rows:
                continue
            writer = self._writers.get(table)
            if writer is None:
                writer = pq.ParquetWriter(self.path(table), DATASETS[table].arrow_schema(),
                                          compression=self.compression)
                self._writers[table] = writer
            writer.write_table(data)
            self.rows[table] = self.rows.get(table, 0) + data.num_rows
            for column in ("meter_id", "pce"):
                if column in data.column_names:
                    self.meters.setdefault(table, set()).update(map(str, data.column(column).unique().to_pylist()))

    def close(self) -> dict[str, str]:
        """Finish every file; dataset -> local path."""
        for writer in self._writers.values():
            writer.close()
        done = {table: self.path(table) for table in self._writers}
        self._writers.clear()
        return done

    def upload(self, raw_zone: Any, source: str, batch: str) -> dict[str, str]:
        """Close and put every file into the staged zone; dataset -> staged key."""
        keys = {}
        for table, path in self.close().items():
            # a batch mixes meters: indexed under each, so that erasure finds (and rewrites) it
            subjects = {"subjects": [(source, m) for m in sorted(self.meters[table])]} if self.meters.get(table) else {}
            with open(path, "rb") as handle:
                keys[table] = raw_zone.put(staged_key(source, table, batch), handle.read(),
                                           content_type="application/vnd.apache.parquet",
                                           metadata={"rows": str(self.rows[table])}, **subjects)
            os.remove(path)
        return keys


def parquet_rows(source: Any, dataset: Dataset, batch_size: int = 65_536) -> Iterator[tuple]:
    """Rows (tuples in the dataset's column order, text for times) from a Parquet file or buffer.

    Times and days go out as ISO text: COPY parses them server-side, faster than building
    Python datetimes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(pa.BufferReader(source) if isinstance(source, bytes | bytearray) else source)
    names = dataset.column_names
    for batch in handle.iter_batches(batch_size=batch_size, columns=names):
        columns = []
        for name in names:
            column = batch.column(name)
            if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                column = column.cast(pa.string())
            columns.append(column.to_pylist())
        yield from zip(*columns, strict=True)
