"""Calibration inputs as data: the published figures the model must reproduce
(``calibration/targets.toml``) and the parameters free to move (``calibration/
parameters.toml``), each validated like a scenario: one line per problem, naming the file
and the field.

This module holds the schemas and their cross-checks against the KPI catalogue and the
base scenario; the fitting is in :mod:`sim.study.calibration.fit`; what a free parameter shares with
a sweep parameter is in :mod:`sim.study.parameters`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from sim.engine.output import Calendar
from sim.measure.kpis import KPIS, output_problem
from sim.measure.location import scope_words
from sim.scenario.loading import load_scenario, read_data_file, resolved_dict
from sim.scenario.problems import ConfigError, Problem, did_you_mean
from sim.scenario.schema import Scenario
from sim.study.parameters import Parameter as BaseParameter
from sim.study.parameters import path_value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Target(_Strict):
    """One published figure: a KPI of the model in a period and scope, or its relative
    change from another period (``relative_to``: growth)."""

    kpi: str = Field(description="a KPI of the catalogue (sim.measure.kpis.KPIS)")
    period: str = Field(pattern=r"^(\d{4}|run)$", description="a calendar year or 'run'")
    scope: str = Field("all", min_length=1)
    relative_to: str | None = Field(None, pattern=r"^\d{4}$", description="if given, the "
                                    "target is kpi(period) / kpi(relative_to) - 1")
    value: float = Field(description="the published figure, in unit")
    unit: str = Field(description="the KPI's unit, or 'fraction' for a relative change")
    sd: float | None = Field(None, gt=0, description="standard error of the figure, in unit")
    tolerance: float | None = Field(None, gt=0, description="half-width of the acceptable "
                                    "band, in unit (read as 2 standard errors)")
    weight: float = Field(1.0, ge=0, description="weight in the calibration objective")
    role: Literal["primary", "secondary"] = "secondary"
    definition: str = Field(min_length=1, description="how the model KPI corresponds to the "
                            "published definition, and where it cannot match")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _spread(self):
        if (self.sd is None) == (self.tolerance is None):
            raise ValueError("a target has either 'sd' (a standard error) or 'tolerance' (a "
                             "half-width), not both or neither")
        return self

    @property
    def sigma(self) -> float:
        """The standard error the objective uses."""
        if self.sd is not None:
            return self.sd
        assert self.tolerance is not None   # the validator asks for one of the two
        return self.tolerance / 2


class Targets(_Strict):
    targets: dict[str, Target] = Field(min_length=1)
    _shown: str = PrivateAttr("targets")  # the file, as its problems name it

    @property
    def shown(self) -> str:
        """The file the targets were read from, as its problems name it."""
        return self._shown


class Parameter(BaseParameter):
    """One free parameter: a numeric field of the base scenario, its bounds (checked by
    the base class) and its prior."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    prior: Literal["uniform", "loguniform", "normal"] = "uniform"
    mean: float | None = Field(None, description="normal prior: its mean")
    sd: float | None = Field(None, gt=0, description="normal prior: its sd")
    source: str = Field(min_length=1, description="why these bounds")

    @model_validator(mode="after")
    def _prior(self):
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform prior needs low > 0")
        if self.prior == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal prior needs mean and sd")
        if self.prior != "normal" and (self.mean is not None or self.sd is not None):
            raise ValueError(f"mean and sd belong to a normal prior (prior is '{self.prior}')")
        return self


class Parameters(_Strict):
    scenario: str = Field(min_length=1, description="the base scenario, relative to this "
                          "file")
    parameters: dict[str, Parameter] = Field(min_length=1)
    _path: Path | None = PrivateAttr(None)  # the file they were read from
    _shown: str = PrivateAttr("parameters")  # the file, as its problems name it

    @property
    def path(self) -> Path | None:
        """The file the parameters were read from (None: made in code)."""
        return self._path

    @property
    def shown(self) -> str:
        """The file the parameters were read from, as its problems name it."""
        return self._shown


def load_targets(path: str | Path) -> Targets:
    """Read and check a targets file (ConfigError with one line per problem)."""
    targets, shown = read_data_file(path, Targets, (targets_problems,), ("targets",))
    problems = targets_problems(targets, shown)
    if problems:
        raise ConfigError(problems)
    targets._shown = shown
    return targets


def targets_problems(targets: Targets, shown: str) -> list[Problem]:
    """Each target names a KPI, in its unit; a relative change compares two years."""
    problems = []
    if not any(t.weight > 0 for t in targets.targets.values()):
        problems.append(Problem(shown, "targets", "no target has a weight above 0, so there "
                                "is nothing to fit (give one a weight, e.g. weight = 1)"))
    for tid, t in targets.targets.items():
        p = f"targets.{tid}"
        if t.kpi not in KPIS:
            problems.append(Problem(shown, f"{p}.kpi", f"unknown KPI '{t.kpi}' "
                                    f"({did_you_mean(t.kpi, KPIS)})"))
            continue
        want = "fraction" if t.relative_to else KPIS[t.kpi][0]
        if t.unit != want:
            problems.append(Problem(shown, f"{p}.unit", f"'{t.unit}' is not the unit of "
                                    f"{'a relative change' if t.relative_to else t.kpi} "
                                    f"(it is '{want}')"))
        if t.relative_to and (t.period == "run" or t.relative_to == t.period):
            problems.append(Problem(shown, f"{p}.relative_to", "a relative change compares "
                                    "two different calendar years"))
    return problems


def targets_in_scenario(targets: Targets, scenario: Scenario) -> list[Problem]:
    """Each target against the base scenario: its period and the year it is relative to
    are reported years of the horizon, and its scope names something in the scenario (a
    KPI the file names wrongly is reported by :func:`targets_problems`)."""
    years = [y.label for y in Calendar.of(scenario).years()]
    words = scope_words(resolved_dict(scenario))
    problems = []
    for tid, t in targets.targets.items():
        if t.kpi not in KPIS:
            continue
        p = f"targets.{tid}"
        for field, period, whole_run in (("period", t.period, True),
                                         ("relative_to", t.relative_to, False)):
            why = output_problem(t.kpi, "all", period, years, words, whole_run)
            if period is not None and why:
                problems.append(Problem(targets.shown, f"{p}.{field}", why))
        why = output_problem(t.kpi, t.scope, None, years, words)
        if why:
            problems.append(Problem(targets.shown, f"{p}.scope", why))
    return problems


def load_parameters(path: str | Path) -> tuple[Parameters, Scenario]:
    """Read and check a parameters file against its base scenario: every path names a
    number there, inside its bounds. Returns the parameters and the scenario."""
    params, shown = read_data_file(path, Parameters)
    base = Path(path).parent / params.scenario
    if not base.is_file():
        raise ConfigError([Problem(shown, "scenario", f"'{params.scenario}' not found next "
                                   "to this file")])
    scenario = load_scenario(base)
    data = resolved_dict(scenario)
    problems = []
    setter: dict[str, str] = {}  # a dotted path -> the parameter that sets it
    for pid, prm in params.parameters.items():
        value, found = path_value(data, prm.path, f"parameters.{pid}", shown)
        problems += found
        for i, dotted in enumerate(prm.paths):
            if dotted in setter:
                where = f"parameters.{pid}.path" + ("" if isinstance(prm.path, str) else
                                                    f"[{i}]")
                problems.append(Problem(shown, where, f"'{dotted}' is listed twice"
                                        if setter[dotted] == pid else f"'{dotted}' is set by "
                                        f"parameters.{setter[dotted]} already (a path is "
                                        "set by one parameter)"))
            setter.setdefault(dotted, pid)
        if value is not None and not prm.low <= value <= prm.high:
            problems.append(Problem(shown, f"parameters.{pid}", f"the scenario's value "
                                    f"{value:g} lies outside [{prm.low:g}, {prm.high:g}]"))
    if problems:
        raise ConfigError(problems)
    params._path, params._shown = Path(path), shown
    return params, scenario


def years_in(targets: Targets) -> set[int]:
    """The calendar years the targets need reported."""
    out = set()
    for t in targets.targets.values():
        for p in (t.period, t.relative_to):
            if p and re.fullmatch(r"\d{4}", p):
                out.add(int(p))
    return out


__all__ = ["Target", "Targets", "Parameter", "Parameters", "load_targets", "load_parameters",
           "path_value", "targets_in_scenario", "years_in"]
