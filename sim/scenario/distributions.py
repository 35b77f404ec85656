"""Probability distributions as validated config objects that know their mean.

Every distribution takes one unambiguous parameter set (a mean and a coefficient of
variation, or explicit bounds); the unit is carried by the name of the field that holds
it (``customs_dwell_h``, ``speed_km_per_day``). Sampling always goes through an explicit
``numpy.random.Generator`` so that a run is a pure function of its seed.
"""

from __future__ import annotations

import math
from itertools import chain, repeat, starmap
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, size: int | None = None):  # pragma: no cover
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover
        raise NotImplementedError


class Constant(_Dist):
    """A fixed value."""

    dist: Literal["constant"]
    value: float = Field(ge=0, description="the value, in the unit of the field")

    def sample(self, rng, size=None):
        return self.value if size is None else np.full(size, self.value)

    @property
    def mean(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean (coefficient of variation 1)."""

    dist: Literal["exponential"]
    mean_: float = Field(gt=0, alias="mean", description="mean, in the unit of the field")

    def sample(self, rng, size=None):
        return rng.exponential(self.mean_, size)

    @property
    def mean(self) -> float:
        return self.mean_


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self):
        if self.high <= self.low:
            raise ValueError(f"high ({self.high:g}) must be greater than low ({self.low:g})")
        return self

    def sample(self, rng, size=None):
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)


class Triangular(_Dist):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self):
        if not (self.low <= self.mode <= self.high) or self.high <= self.low:
            raise ValueError(
                f"need low <= mode <= high and low < high "
                f"(got low={self.low:g}, mode={self.mode:g}, high={self.high:g})"
            )
        return self

    def sample(self, rng, size=None):
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0


class Lognormal(_Dist):
    """Lognormal given by its own mean and coefficient of variation (not log-space ones)."""

    dist: Literal["lognormal"]
    mean_: float = Field(gt=0, alias="mean")
    cv: float = Field(gt=0, le=10, description="standard deviation / mean")

    def _mu_sigma(self) -> tuple[float, float]:
        s2 = math.log1p(self.cv**2)
        return math.log(self.mean_) - 0.5 * s2, math.sqrt(s2)

    def sample(self, rng, size=None):
        mu, sigma = self._mu_sigma()
        return rng.lognormal(mu, sigma, size)

    @property
    def mean(self) -> float:
        return self.mean_


class Gamma(_Dist):
    """Gamma given by mean and coefficient of variation (cv = 1 is exponential)."""

    dist: Literal["gamma"]
    mean_: float = Field(gt=0, alias="mean")
    cv: float = Field(gt=0, le=10, description="standard deviation / mean")

    def sample(self, rng, size=None):
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_ / shape, size)

    @property
    def mean(self) -> float:
        return self.mean_


Distribution = Annotated[
    Constant | Exponential | Uniform | Triangular | Lognormal | Gamma,
    Field(discriminator="dist"),
]

DIST_NAMES = ("constant", "exponential", "uniform", "triangular", "lognormal", "gamma")


def gamma_mean_cv(rng: np.random.Generator, mean: float, cv: float) -> float:
    """One draw with the given mean and coefficient of variation (cv 0 gives the mean)."""
    if cv <= 0:
        return mean
    shape = 1.0 / (cv * cv)
    return float(rng.gamma(shape, mean / shape))


class GammaMeanCV:
    """Draws of :func:`gamma_mean_cv` from one generator with one coefficient of
    variation, the mean given per draw, taken from the generator in blocks for speed.

    NumPy's ``gamma(shape, scale)`` is ``scale * standard_gamma(shape)``, so a block of
    standard gamma draws scaled one by one gives exactly the values of one
    ``gamma_mean_cv`` call per draw: block draws only avoid per-call overhead.
    """

    __slots__ = ("rng", "cv", "shape", "block", "_next")

    def __init__(self, rng: np.random.Generator, cv: float, block: int = 256):
        self.rng, self.cv, self.block = rng, cv, block
        self.shape = 1.0 / (cv * cv) if cv > 0 else math.inf
        # the next standard gamma draw: a chain of blocks, each drawn when the one before
        # is used up
        self._next = chain.from_iterable(
            starmap(_standard_gamma_block, repeat((rng, self.shape, block)))).__next__

    def one(self, mean: float) -> float:
        if self.cv <= 0:
            return mean
        return mean / self.shape * self._next()


def _standard_gamma_block(rng: np.random.Generator, shape: float, size: int) -> list[float]:
    return rng.standard_gamma(shape, size).tolist()
