"""The sweep spec as data: :class:`SweepSpec` (what to vary, how, and what to keep) and
:class:`SweepParameter` (one input, its range and its distribution over that range);
:class:`StudySpec`, what it shares with the optimisation's spec (the base, the horizon).

A parameter maps the unit interval to its values by its quantile function
(:meth:`SweepParameter.ppf`), so that every design is drawn in the unit hypercube and
analysed there. :func:`salib_problem` states the spec as SALib's problem definition;
:func:`factors` names what the indices are reported for; :func:`model_function` finds a
Python model function ``module:function``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.span import parse_horizon
from sim.study.parameters import Parameter

SWEEP_FORMAT = 1
MethodName = Literal["oat", "grid", "lhs", "sobol", "morris"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SweepParameter(Parameter):
    """One input that the design varies: a number of the scenario (or an argument of the
    model function), its range (checked by the base class) and its distribution over
    that range."""

    name: str | None = Field(None, min_length=1, description="label in tables and figures "
                             "(default: the path, or the first path)")
    distribution: Literal["uniform", "loguniform", "triangular", "normal"] = "uniform"
    mode: float | None = Field(None, description="triangular: the most likely value")
    mean: float | None = Field(None, description="normal (truncated to [low, high]): mean")
    sd: float | None = Field(None, gt=0, description="normal: standard deviation")
    base: float | None = Field(None, description="oat: the value the others are held at "
                               "(default: the scenario's, or the median)")
    group: str | None = Field(None, min_length=1, description="sobol/morris: parameters of "
                              "one group move together and get one index")
    integer: bool | None = Field(None, description="round to whole numbers (default: when "
                                 "the scenario's field is an integer)")

    @property
    def label(self) -> str:
        return self.name or self.paths[0]

    @model_validator(mode="after")
    def _distribution(self):
        d = self.distribution
        if d == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform distribution needs low > 0")
        if (d == "triangular") != (self.mode is not None):
            raise ValueError("'mode' belongs to a triangular distribution, which needs it")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must lie in [low, high]")
        if (d == "normal") != (self.mean is not None and self.sd is not None) or (
                d != "normal" and (self.mean is not None or self.sd is not None)):
            raise ValueError("'mean' and 'sd' belong to a normal distribution, which needs "
                             "both")
        if self.base is not None and not self.low <= self.base <= self.high:
            raise ValueError(f"base ({self.base:g}) must lie in [low, high]")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at unit-space positions ``u`` (the quantile function). A whole-number
        parameter's distribution covers [low - 0.5, high + 0.5] and is rounded, so that
        every whole number in the range gets its fair share (the ends included)."""
        x = self.continuous(u)
        if self.integer:
            return np.clip(np.floor(x + 0.5), self.low, self.high)
        return x

    def continuous(self, u: np.ndarray) -> np.ndarray:
        """The quantile function before rounding (monotone in ``u``)."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        lo, hi = (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "loguniform":
            lo = max(lo, self.low / 2)
            x = np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        elif self.distribution == "triangular":
            from scipy.stats import triang  # scipy loaded only for these distributions
            assert self.mode is not None    # the validator asks for it
            x = triang.ppf(u, (self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        else:
            from scipy.stats import truncnorm
            assert self.mean is not None and self.sd is not None   # as the validator asks
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        return np.clip(x, lo, hi)


HORIZON_HELP = ("the base scenario run for another span, 'START:END' (ISO dates, END "
                "excluded), as 'corridor run --horizon' runs it: dated changes after it "
                "dropped, those before it in force from its first day")


class StudySpec(_Strict):
    """What a sweep's and an optimisation's spec share: the base, a scenario file or a model
    function (one of them; 'set' only with a scenario), and the ``horizon``. Each declares
    these fields itself, where it lists them (the order of its fields and its errors)."""

    if TYPE_CHECKING:
        scenario: str | None
        model: str | None
        set: dict[str, Any]
        horizon: str | None

    @field_validator("horizon", mode="before", check_fields=False)
    @classmethod
    def _horizon(cls, text: Any) -> Any:
        """``horizon`` as written, if it is a string that
        :func:`sim.scenario.span.parse_horizon` reads (ValueError saying what is wrong, for
        pydantic to report, otherwise)."""
        if text is not None and not isinstance(text, str):
            got = "a table" if isinstance(text, dict) else str(text)
            raise ValueError(f'expected a string "START:END" (ISO dates, END excluded), e.g. '
                             f'horizon = "2024-01-01:2024-04-01" (got {got})')
        if text is not None:
            parse_horizon(text)
        return text

    @model_validator(mode="after")
    def _check(self):
        if (self.scenario is None) == (self.model is None):
            raise ValueError("give either 'scenario' (a scenario file) or 'model' (a Python "
                             "function 'module:function'), not both or neither")
        if self.model and self.set:
            raise ValueError("'set' fixes scenario fields; a model function has none")
        return self

    @property
    def span(self) -> tuple[dt.date, dt.date] | None:
        """The (start, end) of the checked ``horizon``; None when it has none."""
        return parse_horizon(self.horizon) if self.horizon is not None else None


class SweepSpec(StudySpec):
    """A sweep: what to vary, how, and what to keep."""

    scenario: str | None = Field(None, min_length=1, description="the base scenario, "
                                 "relative to this file")
    model: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                              description="instead of a scenario: a Python function "
                              "'module:function'(params, seed, replication) -> {output: value}")
    method: MethodName
    samples: int = Field(ge=2, le=1_000_000, description="oat/grid: levels per parameter; "
                         "lhs: points; sobol: base sample N (a power of 2); morris: "
                         "trajectories")
    replications: int = Field(1, ge=1, le=1000, description="per design point, common "
                              "random numbers")
    seed: int = Field(1, ge=0, description="base seed of every run")
    outputs: list[str] = Field(min_length=1, description="KPIs to keep: 'name', "
                               "'name:scope', 'name@year' or 'name:scope@year' (default "
                               "scope 'all', period the last year of the horizon)")
    set: dict[str, Any] = Field(default_factory=dict, description="scenario fields fixed "
                                "for every run of the sweep (dotted path -> value)")
    horizon: str | None = Field(None, description=HORIZON_HELP)
    levels: int = Field(4, ge=2, le=20, description="morris: levels of the grid")
    second_order: bool = Field(False, description="sobol: also second-order indices "
                               "(N(2D+2) runs instead of N(D+2))")
    parameters: list[SweepParameter] = Field(min_length=1)

    @property
    def names(self) -> list[str]:
        return [p.label for p in self.parameters]


def factors(spec: SweepSpec) -> list[str]:
    """The names the indices are reported for: each group once, each ungrouped parameter."""
    out: list[str] = []
    for p in spec.parameters:
        f = p.group or p.label
        if f not in out:
            out.append(f)
    return out


def salib_problem(spec: SweepSpec) -> dict:
    """SALib's problem definition, in unit space (values are mapped by each parameter's
    quantile function: Sobol indices do not change under that mapping; Morris effects are
    per unit of the parameter's range)."""
    prob: dict[str, Any] = {"num_vars": len(spec.parameters), "names": spec.names,
                            "bounds": [[0.0, 1.0]] * len(spec.parameters)}
    if any(p.group for p in spec.parameters):
        prob["groups"] = [p.group or p.label for p in spec.parameters]
    return prob


def model_function(ref: str) -> Any:
    """The Python function a spec's ``model = "module:function"`` names."""
    mod, _, name = ref.partition(":")
    return getattr(importlib.import_module(mod), name)


__all__ = ["SWEEP_FORMAT", "HORIZON_HELP", "MethodName", "StudySpec", "SweepParameter",
           "SweepSpec", "factors", "salib_problem", "model_function"]
