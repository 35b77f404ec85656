"""Manifests: the JSON file that says what a result folder is (``kind``), how it was made
(scenario, seeds, the code's version and commit, the command) and which files it holds.

Every writer of a folder (run bundles, comparisons, calibrations, sweeps) takes its
provenance from :func:`provenance`; every reader parses a manifest with
:func:`read_manifest` and words its own one-line problems.
"""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import __version__


def read_manifest(path: str | Path) -> Any:
    """The parsed content of a manifest file (``manifest.json``, ``sweep.json``).

    Raises FileNotFoundError if there is none, OSError if it cannot be read and
    ValueError if it is not UTF-8 JSON; the caller says what that means for its folder.
    It may be any JSON value: the caller checks it is an object of its kind."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def manifest_kind(path: str | Path) -> str | None:
    """The kind a folder's manifest names (``run``, ``comparison``, ...), or None when the
    folder has no readable manifest (it is then not a result folder)."""
    try:
        man = read_manifest(Path(path) / "manifest.json")
    except (OSError, ValueError):
        return None
    kind = man.get("kind") if isinstance(man, dict) else None
    return kind if isinstance(kind, str) else None



def provenance(command: list[str] | None) -> dict[str, Any]:
    """How a folder was made: the package's version, the commit of its code and the
    command line (None when called from Python)."""
    return {"package_version": __version__, "git_commit": git_commit(), "command": command}


def git_commit() -> str | None:
    """The commit of the code that runs (``+dirty`` if the package has uncommitted
    changes), or None outside a git checkout."""
    try:
        here = Path(__file__).resolve().parents[1]  # the package, sim/
        r = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=5)
        if r.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return r.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict[str, str]:
    """Python's and the numerical libraries' versions, for the manifest."""
    out = {"python": platform.python_version()}
    for pkg in ("simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
