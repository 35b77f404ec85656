"""The optimisation spec as data: :class:`OptimizeSpec` (the base, the decisions, the
objective, the constraints, the search's budget) and its parts :class:`Decision`,
:class:`Constraint` and :class:`Confirm`.

A decision is a whole number of the scenario in ``[low, high]`` by ``step`` (ships in a
fleet, berths, cranes, tracks) or one of a list of ``options`` (an opening date, a
layout), with what each unit or option costs in USD and where that figure comes from.
Its value holds from the start of the run, or from the date ``at`` (a dated change
appended to the scenario's timeline).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.study.sweeps.schema import HORIZON_HELP, StudySpec

OPTIMIZE_FORMAT = 1
OptionValue = bool | int | float | dt.date | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Decision(_Strict):
    """One choice: a whole number in ``[low, high]`` by ``step``, or one of ``options``,
    set at one or several dotted paths of the scenario (or an argument of the model
    function), and its cost."""

    name: str | None = Field(None, min_length=1, description="label in tables and figures "
                             "(default: the path, or the first path)")
    path: str | list[str] = Field(description="dotted path of the scenario field, or "
                                  "several paths set to the same value")
    low: int | None = Field(None, description="integer decision: lowest value")
    high: int | None = Field(None, description="integer decision: highest value")
    step: int = Field(1, ge=1, description="integer decision: the values low, low + step, ...")
    options: list[OptionValue] | None = Field(None, min_length=2, description="instead of "
                                              "low/high: the values to choose from")
    at: dt.date | None = Field(None, description="the value holds from this date (a dated "
                               "change appended to the timeline); default: from the start")
    cost_per_unit_usd: float | None = Field(None, ge=0, description="integer decision: USD "
                                            "per unit above 'existing'")
    existing: int = Field(0, ge=0, description="integer decision: units already there, "
                          "not costed")
    option_costs_usd: list[float] | None = Field(None, description="options: USD of each "
                                                 "option, in the order of 'options'")
    source: str = Field(min_length=1, description="where the cost comes from: a section of "
                        "the fact sheet, or 'assumption: why'")
    inactive_when: dict[str, OptionValue] | None = Field(
        None, description="other decisions (by name) -> value at which this decision does "
        "nothing (e.g. ships for a terminal not built): with every one of them at its value, "
        "only this decision's first value is run (the dearer ones would cost more for the "
        "same result)")

    @property
    def label(self) -> str:
        return self.name or self.paths[0]

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)

    @property
    def integer(self) -> bool:
        return self.options is None

    @model_validator(mode="after")
    def _check(self):
        if not self.paths or any(not p for p in self.paths):
            raise ValueError("path: give a dotted path, or a non-empty list of them")
        if self.options is None:
            if self.low is None or self.high is None:
                raise ValueError("give 'low' and 'high' (whole numbers), or 'options'")
            if not self.low <= self.high - self.step:
                raise ValueError(f"low ({self.low}) must be at least one step ({self.step}) "
                                 f"below high ({self.high})")
            if (self.high - self.low) % self.step:
                raise ValueError(f"high - low ({self.high - self.low}) must be a multiple "
                                 f"of step ({self.step})")
            if self.cost_per_unit_usd is None:
                raise ValueError("give 'cost_per_unit_usd' (USD per unit above 'existing')")
            if self.option_costs_usd is not None:
                raise ValueError("'option_costs_usd' belongs to a decision with 'options'")
        else:
            if self.low is not None or self.high is not None or self.step != 1:
                raise ValueError("give 'options' or 'low'/'high'/'step', not both")
            if self.cost_per_unit_usd is not None or self.existing:
                raise ValueError("'cost_per_unit_usd' and 'existing' belong to a whole-number "
                                 "decision; give 'option_costs_usd'")
            if self.option_costs_usd is None:
                raise ValueError("give 'option_costs_usd', one cost per option")
            if len(self.option_costs_usd) != len(self.options):
                raise ValueError(f"'option_costs_usd' has {len(self.option_costs_usd)} "
                                 f"values for {len(self.options)} options")
            if any(c < 0 for c in self.option_costs_usd):
                raise ValueError("'option_costs_usd' must be >= 0")
            shown = [str(o) for o in self.options]
            if len(set(shown)) != len(shown):
                raise ValueError("'options' lists a value twice")
        src = self.source.strip()
        if src.lower().startswith("assumption") and len(src.rstrip(" :")) <= len("assumption"):
            raise ValueError("source: say why after 'assumption' ('assumption: ...')")
        return self

    def values(self) -> list[Any]:
        """Every value the decision may take, in order."""
        if self.options is not None:
            return list(self.options)
        assert self.low is not None and self.high is not None   # as the validator asks
        return list(range(self.low, self.high + 1, self.step))

    def size(self) -> int:
        return len(self.values())

    def cost_usd(self, index: int) -> float:
        """The cost of the decision's ``index``-th value."""
        if self.option_costs_usd is not None:
            return float(self.option_costs_usd[index])
        assert self.cost_per_unit_usd is not None
        units = self.values()[index] - self.existing
        return float(self.cost_per_unit_usd * max(0, units))


class Constraint(_Strict):
    """A service target on an output (a KPI 'name:scope@year', or a model function's
    output): its mean over the replications at most ``max`` or at least ``min``."""

    name: str | None = Field(None, min_length=1, description="label (default: the output)")
    output: str = Field(min_length=1, description="'name', 'name:scope', 'name@year' or "
                        "'name:scope@year' (default scope 'all', period the last year)")
    max: float | None = Field(None, description="the mean must be at most this")
    min: float | None = Field(None, description="the mean must be at least this")

    @property
    def label(self) -> str:
        return self.name or self.output

    @model_validator(mode="after")
    def _bound(self):
        if (self.max is None) == (self.min is None):
            raise ValueError("give one of 'max' or 'min'")
        return self

    def slack(self, mean: float) -> float:
        """How far the mean is inside the target (negative: violated; NaN: no value)."""
        if math.isnan(mean):
            return math.nan
        return self.max - mean if self.max is not None else mean - float(self.min or 0.0)


class Confirm(_Strict):
    """The confirmation stage: the best candidates of the search run again with more
    replications (the same seeds, continued), and their intervals reported."""

    candidates: int = Field(3, ge=0, le=50, description="how many (0: no confirmation)")
    replications: int = Field(10, ge=2, le=1000, description="replications of each in all "
                              "(the search's included)")


class OptimizeSpec(StudySpec):
    """An optimisation: the base (a scenario, or a Python model function), the decisions,
    what to minimise and the targets to meet, and the search."""

    scenario: str | None = Field(None, min_length=1, description="the base scenario, "
                                 "relative to this file")
    model: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
                              description="instead of a scenario: a Python function "
                              "'module:function'(params, seed, replication) -> {output: value}")
    set: dict[str, Any] = Field(default_factory=dict, description="scenario fields fixed "
                                "for every candidate (dotted path -> value)")
    horizon: str | None = Field(None, description=HORIZON_HELP)
    mode: Literal["minimise", "pareto"] = Field("minimise", description="minimise the "
                                                "objective, or trace the front of cost "
                                                "against the objective")
    objective: str = Field("cost", min_length=1, description="'cost' (USD of the "
                           "decisions) or an output (as in constraints)")
    sense: Literal["min", "max"] = Field("min", description="a KPI objective: minimise "
                                         "or maximise it")
    max_cost_usd: float | None = Field(None, gt=0, description="candidates costing more "
                                       "are infeasible")
    sampler: Literal["tpe", "random", "cost_order"] = Field(
        "tpe", description="Optuna's TPE; uniform random candidates; or cost_order: every "
        "candidate cheapest first, stopping at the first batch with one that meets the "
        "constraints (for objective 'cost': the cheapest feasible bundle, every cheaper one "
        "run and found short; the budget caps it)")
    startup: int | None = Field(None, ge=1, description="random candidates before TPE "
                                "models the results (default: a quarter of the budget, 4 "
                                "to 10)")
    budget: int = Field(ge=1, le=100_000, description="candidates the search evaluates")
    batch: int = Field(4, ge=1, le=256, description="candidates proposed at a time (run in "
                       "parallel); part of the spec, so the results do not depend on the "
                       "workers")
    replications: int = Field(2, ge=1, le=1000, description="per candidate in the search, "
                              "common random numbers")
    seed: int = Field(1, ge=0, description="base seed of every run and of the sampler")
    confirm: Confirm = Field(default_factory=lambda: Confirm.model_validate({}))
    decisions: list[Decision] = Field(min_length=1)
    constraints: list[Constraint] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [d.label for d in self.decisions]

    def startup_trials(self) -> int:
        return self.startup or min(10, max(4, self.budget // 4))


__all__ = ["OPTIMIZE_FORMAT", "Decision", "Constraint", "Confirm", "OptimizeSpec"]
