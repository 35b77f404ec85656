"""What calibration and sweep parameters share: a number (or several numbers set to one
value) named by dotted path in a scenario, with the range it may move in.

:class:`Parameter` is the base of :class:`sim.study.calibration.inputs.Parameter` (a free
parameter with a prior) and :class:`sim.study.sweeps.schema.SweepParameter` (a design
input with a distribution); :func:`path_value` finds a parameter's number in resolved
scenario data, with one problem per path it cannot follow.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.problems import Problem, did_you_mean


class Parameter(BaseModel):
    """A number of the scenario, or several set to one value, and its range.

    Subclasses add how the value is spread over ``[low, high]`` (a prior, a distribution)
    and check it in a validator of their own, which runs after the checks here.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    path: str | list[str] = Field(description="dotted path of a number in the scenario, "
                                  "or several paths set to the same value (e.g. the growth "
                                  "of several flows); in a sweep of a model function, the "
                                  "argument's name")
    low: float = Field(description="lowest value")
    high: float = Field(description="highest value")

    @property
    def paths(self) -> list[str]:
        """The dotted paths, one or several."""
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @model_validator(mode="after")
    def _range(self):
        if not self.paths or any(not p for p in self.paths):
            raise ValueError("path: give a dotted path, or a non-empty list of them")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


def path_value(data: dict, path: str | list[str], where: str, shown: str
               ) -> tuple[int | float | None, list[Problem]]:
    """The number that a parameter's path (or every one of its paths, which must agree)
    names in resolved scenario data, or None and the problems (named ``where.path``)."""
    paths = [path] if isinstance(path, str) else list(path)
    values, problems = [], []
    for i, p in enumerate(paths):
        value, why = number_at(data, p)
        if why:
            problems.append(Problem(shown, f"{where}.path" + (
                "" if isinstance(path, str) else f"[{i}]"), why))
        else:
            values.append(value)
    if problems:
        return None, problems
    if len(set(values)) > 1:
        return None, [Problem(shown, f"{where}.path", "the paths hold different values ("
                              f"{', '.join(f'{v:g}' for v in values)}); one parameter sets "
                              "them all to one value")]
    return values[0], []


def number_at(data: dict, path: str) -> tuple[int | float, str | None]:
    """The number at a dotted path (as the scenario holds it: int or float), or why not."""
    cur = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(cur, dict) or part not in cur:
            here = ".".join(parts[:i]) or "the scenario"
            keys = list(cur) if isinstance(cur, dict) else []
            return 0.0, f"'{path}': no '{part}' in {here} ({did_you_mean(part, keys)})"
        cur = cur[part]
    if isinstance(cur, bool) or not isinstance(cur, (int, float)):
        return 0.0, f"'{path}' is not a number in the scenario"
    return cur, None


__all__ = ["Parameter", "path_value", "number_at"]
