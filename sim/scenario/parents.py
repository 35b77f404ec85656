"""What to say when a scenario's ``extends`` names a file that is not there.

The parent is read relative to the scenario file's own folder, so a scenario copied into
another folder loses its parent. The hint says so and, where the project has a file of
that name (written from the working directory, or in a folder of the project's
scenarios: ``scenarios/`` and below, ``calibration/``), gives the path to write instead.
"""

from __future__ import annotations

import difflib
import glob
import os
from pathlib import Path

# the project's folders that hold scenarios and the files they extend, searched (each
# with its subfolders) for a parent of the name written
PARENT_FOLDERS = ("scenarios", "calibration")

RELATIVE = "it is relative to this file's folder"


def _relative(target: Path, folder: Path) -> str:
    return Path(os.path.relpath(target, folder)).as_posix()


def _project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``scenarios/``."""
    return next((root for root in (start, *start.parents)
                 if (root / PARENT_FOLDERS[0]).is_dir()), None)


def _project_files(name: str, folder: Path, itself: Path) -> list[Path]:
    """Files called ``name`` in the folders of the project above ``folder``, else in the
    project above the working directory; never ``itself``."""
    if name in ("", ".", ".."):
        return []
    for root in dict.fromkeys((_project(folder), _project(Path.cwd().resolve()))):
        found = [p.resolve() for sub in PARENT_FOLDERS if root and (root / sub).is_dir()
                 for p in (root / sub).rglob(glob.escape(name))
                 if p.is_file() and p.resolve() != itself]
        if found:
            return found
    return []


def missing_parent_hint(parent: str, path: Path) -> str:
    """The parenthesis after ``parent 'X' not found`` for ``path``'s ``extends = parent``:
    that the name is read relative to the file's folder, then the path to a file of that
    name elsewhere in the project (the one whose path ends as written first, then the
    one nearest the project's top), else the files beside it, never ``path`` itself."""
    folder = path.parent.resolve()
    itself = path.resolve()
    try:
        here = Path(parent).resolve()  # written from the working directory, not the file
        there = here.is_file()
    except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
        return RELATIVE
    if there and here != itself:
        return f"{RELATIVE}; did you mean '{_relative(here, folder)}'?"
    written = "/".join(part for part in Path(parent).parts if part not in (".", ".."))
    found = sorted(_project_files(Path(parent).name, folder, itself),
                   key=lambda p: (not p.as_posix().endswith("/" + written), len(p.parts),
                                  p.as_posix()))
    if found:
        return f"{RELATIVE}; did you mean '{_relative(found[0], folder)}'?"
    beside = {p.stem: p.name for p in folder.glob("*.toml") if p.resolve() != itself}
    if not beside:
        return f"{RELATIVE}, which holds no other .toml file"
    # by the names without .toml, which would make any two names look alike
    close = difflib.get_close_matches(Path(parent).stem, sorted(beside), n=1, cutoff=0.6)
    if close:
        return f"{RELATIVE}; did you mean '{beside[close[0]]}'?"
    if len(beside) > 12:
        return f"{RELATIVE}, which holds {len(beside)} other .toml files, none close"
    return f"{RELATIVE}; allowed: " + ", ".join(sorted(beside.values()))
