"""What the resumable studies' folders share (a sweep's, an optimisation's, a
calibration's): which entries are a study's own, clearing them, and the checks of an
``--out`` before a long study starts (:func:`prepare_study_folder`), so that the three
commands refuse the same folders with the same words. No pandas here, so that a command
importing a study's folder module (``corridor run --posterior`` reads a calibration's)
does not load it early."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim import __version__
from sim.io.manifest import read_manifest
from sim.scenario.problems import WHOLE_FILE, ConfigError, Problem

# the names a result folder's manifest has (a sweep's is its own)
MANIFESTS = ("manifest.json", "sweep.json")


@dataclass(frozen=True)
class StudyFolder:
    """A kind of study folder, as its checks name it."""

    kind: str                 # the manifest's 'kind': "sweep", "optimization", ...
    noun: str                 # the study in words: "sweep", "optimisation", ...
    manifest: str             # its manifest's name: "sweep.json", "manifest.json"
    files: tuple[str, ...]    # every file the study writes there, its manifest among them

    @property
    def a(self) -> str:
        """The study with its article: 'a sweep', 'an optimisation'."""
        return f"{_article(self.noun)} {self.noun}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


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


def prepare_study_folder(out: Path, study: StudyFolder, fingerprint: str,
                         changed: Callable[[dict], list[str] | None], restart: bool,
                         also: tuple[str, ...] = ()) -> bool:
    """Check ``out`` before a study starts: True when it holds this study (its manifest's
    fingerprint is ``fingerprint``, or one of ``also``: the same inputs fingerprinted by
    an earlier version) to resume; False when it is new, empty or has just been cleared
    (``restart``: a folder of this kind is emptied of the study's files, whatever its
    inputs). ConfigError, one line naming ``--out`` or the manifest, for a folder that is
    not a folder, holds files that are not the study's, holds another kind of result,
    has a manifest that cannot be read, or (without ``restart``) holds a study of other
    inputs: ``changed(old manifest)`` names what differs (None: the manifest does not
    record it). Creates nothing: the study makes the folder and writes its manifest
    before anything else, so a manifest missing means the files are not known to be
    this study's."""
    shown = str(out)
    if out.exists() and not out.is_dir():
        raise ConfigError([Problem(shown, "--out", f"exists and is not a folder (give a new "
                                   f"or empty folder, or one holding {study.a} to resume)")])
    entries = list(out.iterdir()) if out.is_dir() else []
    if not entries:
        return False
    ours = all(holds_only(e, study.files) for e in entries)
    man = out / study.manifest
    if not man.exists():
        other = _other_kind(out, study)
        if other:
            other = KIND_WORDS.get(other, other)
            raise ConfigError([Problem(shown, "--out", f"holds {_article(other)} {other} "
                                       f"folder, not {study.a}; choose another --out")])
        if not ours:
            raise ConfigError([Problem(shown, "--out", f"holds files but is not {study.a} "
                                       f"folder (no {study.manifest}); give an empty or new "
                                       "folder")])
        if not (restart or all(e.name.startswith(".") for e in entries)):
            # (temporary files alone: killed while its manifest was being written)
            raise ConfigError([Problem(shown, "--out", f"holds {study.a}'s files but no "
                                       f"{study.manifest}, so what they hold is unknown; rerun "
                                       "with --restart to discard them, or choose another "
                                       "--out")])
        clear_study(out, study.files, study.manifest)
        return False
    try:
        old = read_manifest(man)
        if not isinstance(old, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        if not ours:
            raise ConfigError([Problem(str(man), WHOLE_FILE, f"unreadable ({e}), and the "
                                       f"folder holds files that are not {study.a}'s; choose "
                                       "another --out")]) from None
        if not restart:
            raise ConfigError([Problem(str(man), WHOLE_FILE, f"unreadable ({e}), so the "
                                       f"{study.noun} in this folder cannot be resumed; rerun "
                                       "with --restart to start it again, or choose another "
                                       "--out")]) from None
        clear_study(out, study.files, study.manifest)
        return False
    kind = old.get("kind")
    if kind != study.kind:
        word = KIND_WORDS.get(kind, kind) if isinstance(kind, str) else kind
        what = (f"{_article(word)} {word} folder" if isinstance(word, str) and word else
                f"a folder whose {study.manifest} names no kind")
        raise ConfigError([Problem(shown, "--out", f"holds {what}, not {study.a}; choose "
                                   "another --out")])
    if restart:
        clear_study(out, study.files, study.manifest)
        return False
    if old.get("fingerprint") in (fingerprint, *also):
        return True
    diff = changed(old)
    if diff is None:
        raise ConfigError([Problem(shown, "--out", f"holds {study.a} whose {study.manifest} "
                                   "does not record its inputs (written by an earlier "
                                   "version), so it cannot be resumed safely; rerun with "
                                   "--restart to discard it, or choose another --out")])
    raise ConfigError([Problem(shown, "--out", f"holds {study.a} of other inputs (changed: "
                               f"{', '.join(diff) or 'the folder format'}); rerun with "
                               "--restart to discard it, or choose another --out")])


# a manifest's kind as the messages name it (the manifests keep the spelling they have)
KIND_WORDS = {"optimization": "optimisation"}


def _other_kind(out: Path, study: StudyFolder) -> str | None:
    """The kind another result folder's manifest in ``out`` names, if any."""
    for name in MANIFESTS:
        if name == study.manifest or not (out / name).is_file():
            continue
        try:
            kind = read_manifest(out / name).get("kind")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(kind, str) and kind:
            return kind
    return None


def version_change(was: object) -> list[str]:
    """The package's version as a changed input (none if it is this one)."""
    return [] if was == __version__ else [f"corridor-sim {was} -> {__version__}"]


def spec_changes(old: dict, base_config_hash: str | None, written: dict) -> list[str] | None:
    """What differs between a sweep's or an optimisation's manifest ``old`` and the spec
    run now: the base scenario, the spec's keys (its scenario file's name aside), the
    package's version (None: the manifest records no spec)."""
    spec = old.get("spec")
    if not isinstance(spec, dict):
        return None
    changed = ["the base scenario"] if old.get("base_config_hash") != base_config_hash else []
    changed += [k for k in sorted(set(spec) | set(written))
                if k != "scenario" and spec.get(k) != written.get(k)]
    return changed + version_change(old.get("package_version"))


__all__ = ["MANIFESTS", "StudyFolder", "clear_study", "holds_only", "prepare_study_folder",
           "spec_changes", "version_change"]
