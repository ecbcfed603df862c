"""One exception base for the project, with narrow subclasses.

Messages name the file, line and field at fault and what was expected, so the CLI can print
them as one line and a scheduled job's log says exactly what to fix.
"""
from __future__ import annotations


class TrackError(Exception):
    """Base of every error the tracker raises on purpose."""


class InputError(TrackError):
    """A source file cannot be read as the collector expects (wrong type, missing columns)."""

    def __init__(self, path, reason: str, line: int | None = None, field: str | None = None):
        self.path = str(path)
        # one line, always: a reason quoting input (a header cell with a line break) must not split it
        reason = reason.replace("\r", "\\r").replace("\n", "\\n")
        self.reason = reason
        self.line = line
        self.field = field
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}")


class StrictModeError(InputError):
    """`--strict` and the file has rejected rows: nothing from the file was imported."""


class ConfigError(TrackError):
    """A configuration file or option is invalid."""


class StoreError(TrackError):
    """The database cannot be opened or written."""


class OutputError(TrackError):
    """An output format cannot hold this table (too many rows for XLSX, binary to a terminal)."""
