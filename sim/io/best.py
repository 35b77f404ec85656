"""An optimisation's result (``best.json``) in words, for ``best.md`` (written by the
study) and the report's tables (drawn from the folder): both say the same."""

from __future__ import annotations


def binds_text(c: dict) -> str:
    """A constraint's 'binds' cell (best.md, the report): yes, jointly or no, with the
    counts behind it and whether its interval reaches the limit."""
    n, fail, alone = c["better_candidates"], c["better_failing"], c.get("better_failing_alone")
    if c["binds"]:
        text = f"yes ({fail} of {n} better candidates fail it"
        text += "" if alone is None or alone == fail else f", {alone} of them it alone"
        text += ")"
    elif c.get("binds_jointly"):
        text = (f"only with another ({fail} of {n} better candidates fail it, each also "
                "failing another constraint)")
    else:
        text = "no" + (f" (0 of {n} better candidates fail it)" if n else "")
    if c.get("interval_reaches_limit"):
        text += "; its interval reaches the limit"
    return text


__all__ = ["binds_text"]
