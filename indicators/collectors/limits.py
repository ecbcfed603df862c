"""Limits that keep one hostile or mistyped file from filling the disk, the memory or the store
with nonsense. Each has a documented default (docs/collectors.md, "Limits") and can be changed
per source in the job configuration (`[sources.settings] limits = { max_event_days = 90 }`) or
from Python (`collector.limits = Limits(max_event_days=90)`)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # outages: an event longer than this is a typo (an end in 2205), not a 65,744-day outage
    max_event_days: float = 31.0
    # outages: days between two events are zero-filled only across a gap up to this long; a longer
    # gap is a hole in the log (or a start year typed 2015), left without data rather than zeros
    max_zero_fill_days: float = 62.0
    # XLSX and CSV: a cell (field) longer than this rejects its row only
    max_cell_chars: int = 131_072
    # XLSX: rows read from the first sheet (Excel's own maximum); past this the file is refused
    max_rows: int = 1_048_576
    # XLSX: the workbook's unpacked size; a bigger one (a small file whose cell expands to 1 GiB)
    # is refused before it is read into memory
    max_unpacked_bytes: int = 512_000_000
    # the `raw` text stored with a reject is cut to this many characters
    max_reject_chars: int = 2_000

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **changes) -> "Limits":
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise ValueError(f"unknown limit(s) {', '.join(unknown)}; known: {', '.join(self.names())}")
        bad = [k for k, v in changes.items() if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0]
        if bad:
            raise ValueError(f"limit(s) {', '.join(bad)} must be positive numbers")
        return dataclasses.replace(self, **changes)
