"""What every table of a scenario shares: strict models (unknown keys and NaN refused)
and the rule for a monthly profile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field

# the regions a node may be in (flows, the transit count and the sea's competition name them)
Region = Literal["china", "kazakhstan", "central_asia", "russia", "mongolia", "caucasus",
                 "europe", "iran", "other"]


class Strict(BaseModel):
    """A scenario table: unknown keys are errors, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


@dataclass(frozen=True)
class OneEach:
    """Metadata of a list of fixed length: what each entry stands for (``one a month``),
    said with its length when a list has too few or too many entries."""

    what: str


def fixed_length(metadata: Iterable[Any]) -> int | None:
    """The length a list's constraints fix (its least and greatest lengths equal), else
    None."""
    meta = list(metadata)
    lo = next((m.min_length for m in meta if isinstance(m, at.MinLen)), None)
    hi = next((m.max_length for m in meta if isinstance(m, at.MaxLen)), None)
    return lo if lo is not None and lo == hi else None


# twelve numbers, one a month Jan..Dec (a list of another length: 'needs exactly 12
# entries, one a month')
Months = Annotated[list[float], Field(min_length=12, max_length=12), OneEach("one a month")]


def monthly_profile(v: list[float], noun: str) -> list[float]:
    """Twelve monthly values, none negative, averaging 1 (within 1 %)."""
    if any(x < 0 for x in v):
        raise ValueError(f"monthly {noun} must be >= 0")
    m = sum(v) / 12
    if abs(m - 1.0) > 0.01:
        raise ValueError(f"monthly {noun} must average 1 (they average {m:.4f})")
    return v
