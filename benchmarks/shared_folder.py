"""Where the team's `shared/` folder is (real data, NAB, scorer), for every benchmark.

It sits beside the checkout (`../shared`). A git worktree elsewhere (`/work/wt/NAME`) has no
`shared/` beside it, so the folders above the checkout are searched too: without that, the
benchmarks' real-data parts would be skipped when run from a worktree, and their figures would
silently lack the guards they exist for.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shared_folder() -> Path:
    """The nearest `shared/` beside the checkout or beside a folder above it; `../shared` (missing)
    when there is none, so that messages name the place it was expected."""
    for folder in ROOT.parents:
        if (folder / "shared").is_dir():
            return folder / "shared"
    return ROOT.parent / "shared"


SHARED = shared_folder()
DATA = SHARED / "data"


def required(path: Path, given: bool, what: str) -> bool:
    """Whether the real-data file `path` is there. A file the user named (`given`) that is missing
    is an error (exit 2); a missing default skips `what`, said on stderr as well as stdout, so
    a log never shows figures without their real-data guard unnoticed."""
    if path.exists():
        return True
    if given:
        raise SystemExit(f"error: {path} not found (given with --bfa)")
    message = f"WARNING: {what} skipped: {path} not found (pass --bfa FILE)"
    print(f"\n({message})")
    print(message, file=sys.stderr)
    return False
