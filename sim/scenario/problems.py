"""Problems with an input file, reported one line each: ``error: FILE: dotted.path: message``.

Every input the package reads (scenarios, calibration targets and parameters, sweep
specs, result folders) turns what is wrong into :class:`Problem` rows and raises them at
once as a :class:`ConfigError`; the command line prints them and exits with code 2.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

WHOLE_FILE = "<file>"  # the path of a problem with a file as a whole (missing, empty, ...)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    path: str
    message: str

    def line(self, level: str = "error") -> str:
        """The problem as one line, ``error: FILE: path: message`` (``level``: the first
        word, e.g. ``warning`` for a note that does not stop the command), or ``error:
        FILE: message`` for a problem of the whole file (path :data:`WHOLE_FILE`)."""
        if self.path == WHOLE_FILE:
            return f"{level}: {self.file}: {self.message}"
        return f"{level}: {self.file}: {self.path}: {self.message}"


class ConfigError(Exception):
    """Raised with every problem found in a scenario (or other input file) at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.line() for p in problems))


def did_you_mean(name: object, choices) -> str:
    """A ``did you mean 'x'?`` hint, or a list of what is allowed when nothing is close."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(name), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if len(choices) <= 12:
        return "allowed: " + ", ".join(choices) if choices else "nothing is defined"
    return f"{len(choices)} are defined, none close to '{name}'"
