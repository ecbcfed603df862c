#!/usr/bin/env python3
"""Entry point: `python track.py COMMAND ...` (also installed as `track`)."""
from indicators.cli import cli

if __name__ == "__main__":
    cli()
