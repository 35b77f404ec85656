"""What the resumable studies' folders share (a sweep's, an optimisation's, a
calibration's): which entries are a study's own, and clearing them. No pandas here, so
that a command importing a study's folder module (``corridor run --posterior`` reads a
calibration's) does not load it early."""

from __future__ import annotations

import shutil
from pathlib import Path


def holds_only(entry: Path, files: tuple[str, ...]) -> bool:
    """Whether ``entry`` is one of a study folder's ``files`` (or a temporary file of one,
    or its figures)."""
    name = entry.name
    return (name in files or name == "figures"
            or any(name.startswith(f".{f}.") for f in files))


def clear_study(out: Path, files: tuple[str, ...], manifest_name: str) -> None:
    """Remove a study folder's ``files``, its manifest last (so an interrupted clear is
    resumable: the folder is still recognised)."""
    for entry in out.iterdir():
        if holds_only(entry, files) and entry.name != manifest_name:
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
    (out / manifest_name).unlink(missing_ok=True)


__all__ = ["clear_study", "holds_only"]
