"""Whole-column validation: a column as integer codes into its distinct values.

A file of 200,000 rows usually holds a few hundred distinct locations, units or dates. Cleaning,
parsing and checking them once per distinct value and spreading the result back to the rows by
their codes is how `validate_rows` avoids per-row Python; only the rows that fail are formatted
one by one (their reject reasons).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


class Distinct:
    """`uniques[codes]` is the column; work on `uniques`, spread to the rows with `codes`."""

    def __init__(self, codes: np.ndarray, uniques: np.ndarray):
        self.codes = codes
        self.uniques = uniques

    @classmethod
    def of(cls, values) -> "Distinct":
        if not (isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype)):
            values = np.asarray(values, dtype=object)  # a text column is factorized as it is (it is all text)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return cls(np.asarray(codes), np.asarray(uniques, dtype=object))

    @classmethod
    def constant(cls, value, size: int) -> "Distinct":
        return cls(np.zeros(size, dtype=np.intp), np.asarray([value], dtype=object))

    @classmethod
    def pairs(cls, first: "Distinct", second: "Distinct") -> "Distinct":
        """The column of (first, second) pairs, from the two columns' codes (no text is hashed)."""
        width = max(len(second.uniques), 1)
        codes, combined = pd.factorize(first.codes.astype(np.int64) * width + second.codes)
        uniques = np.empty(len(combined), dtype=object)
        uniques[:] = [(first.uniques[c // width], second.uniques[c % width]) for c in combined]
        return cls(codes, uniques)

    def map(self, transform) -> "Distinct":
        """`transform` (a function of a Series of the distinct values, giving one result each)
        applied once per distinct value; equal results become one distinct value."""
        results = np.asarray(transform(pd.Series(self.uniques, dtype=object)), dtype=object)
        inner, merged = pd.factorize(results, use_na_sentinel=False)
        return Distinct(inner[self.codes] if len(self.codes) else self.codes, np.asarray(merged, dtype=object))

    def rows(self, transform=None, dtype=object) -> np.ndarray:
        """One value per row: the distinct values (or `transform` of them) spread by the codes."""
        values = self.uniques if transform is None else transform(pd.Series(self.uniques, dtype=object))
        return np.asarray(values, dtype=dtype)[self.codes]

    def test(self, predicate) -> np.ndarray:
        """A boolean per row: `predicate` of its distinct value."""
        return np.fromiter(map(predicate, self.uniques), dtype=bool, count=len(self.uniques))[self.codes]


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as stripped text; a missing cell is empty."""
    return cells.where(cells.notna(), "").astype(str).str.strip()
