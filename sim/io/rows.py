"""Rows of result tables picked and ranked for people: the rows a user asked for, and
how much a comparison's row matters (for the forest plot, the report and the summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MATERIAL = 0.01  # a row is material when its larger mean is this share of the KPI's largest


def relevance(table: pd.DataFrame) -> pd.Series:
    """How much a comparison row matters: its relative change (against the larger of
    the two means, so at most 1, or 2 for a change of sign) times its significance (the
    paired difference over its 95 % half-width, capped at 10); 0 where the interval
    covers zero, or the row is immaterial: its larger mean under :data:`MATERIAL` of the
    largest of its KPI in that period (0.007 trains queueing on a link beside 5 on
    another)."""
    import pandas as pd  # (here: the run command imports this module before its run)
    half = (table["diff_ci95_high"] - table["diff_ci95_low"]) / 2.0
    ratio = (table["diff_mean"].abs() / half.where(half > 0)).fillna(10.0).clip(upper=10.0)
    significant = (table["diff_ci95_low"] > 0) | (table["diff_ci95_high"] < 0)
    size = pd.concat([table["base_mean"].abs(), table["other_mean"].abs()], axis=1).max(axis=1)
    largest = size.groupby([table["name"], table["period"]]).transform("max")
    material = size >= MATERIAL * largest
    rel = table["diff_mean"].abs() / size.where(size > 0)
    score = (rel * ratio).where(significant & material, 0.0)
    return score.fillna(0.0)


def untouched(table: pd.DataFrame) -> pd.Series:
    """The comparison rows identical in every replication (the scenarios differ elsewhere,
    or later): the paired difference and both ends of its interval within 1e-9 of the
    base's size (sums in another order differ in the last digits, not in the model)."""
    tol = 1e-9 * table["base_mean"].abs().clip(lower=1.0)
    return ((table["diff_mean"].abs() <= tol)
            & ~(table["diff_ci95_high"].abs() > tol) & ~(table["diff_ci95_low"].abs() > tol))


def scope_touches(scope: str, touched: set[str]) -> bool:
    """Whether a KPI's scope names an element the scenarios differ in (``kuryk``,
    ``link:aktau>kuryk``, ``kuryk_alat_feeder:westbound`` ...)."""
    parts = set(scope.replace(">", ":").replace("link:", "").split(":"))
    return bool(parts & touched)


def focused(table: pd.DataFrame, kpis: tuple[str, ...] = (), scopes: tuple[str, ...] = ()
            ) -> pd.DataFrame:
    """The rows of a comparison table a user asked for: KPIs named ``NAME`` or
    ``NAME:SCOPE`` and scopes (a row passes when it matches any KPI asked for, or no KPI
    was asked for, and any scope asked for, or none was), in the order the KPIs were asked
    for (the table's order within each)."""
    import pandas as pd
    keep = pd.Series(True, index=table.index)
    rank = pd.Series(0, index=table.index)
    if kpis:
        any_kpi = pd.Series(False, index=table.index)
        for i, spec in enumerate(kpis):
            name, _, scope = spec.partition(":")
            m = table["name"] == name
            if scope:
                m &= table["scope"] == scope
            rank[m & ~any_kpi] = i  # (the first KPI asked for that matches)
            any_kpi |= m
        keep &= any_kpi
    if scopes:
        keep &= table["scope"].isin(scopes)
    return table[keep].iloc[rank[keep].argsort(kind="stable")]


def no_pair(found: object, base: float, other: float, diff: float
            ) -> tuple[str, str, str] | None:
    """Why a comparison row has no paired difference, as (why, side, lacking): ``"row"``,
    one folder lacks the row (``side`` the folder that has it, valued or not);
    ``"value"``, its value is undefined in one folder (``side`` the one with a value);
    ``"pair"``, both have values but never in the same replication (side ``"both"``).
    None when it has a difference, or no value in either folder."""
    if found in ("base", "other"):
        return "row", str(found), "other" if found == "base" else "base"
    if (base != base) != (other != other):
        return ("value", "other", "base") if base != base else ("value", "base", "other")
    if diff != diff and base == base and other == other:
        return "pair", "both", ""
    return None
