"""An appraisal written as a result folder (kind ``appraisal``), atomically, with its
text: ``manifest.json`` (the folders appraised, the costs file and its content, the
provenance), ``cashflows.csv`` (year x item x replication, and the mean),
``replications.csv`` (the figures of merit per replication), ``quantities.csv`` (box-days,
CO2e and TEU behind the benefits, per simulated year), ``summary.json`` and
``summary.csv`` (mean, 95 % interval, P(NPV > 0)) and ``report.md``."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.io.bundle import atomic_dir, dumps
from sim.io.manifest import provenance
from sim.study.appraisal.appraise import Result, value_of_time_text, values_of_time_differ
from sim.study.appraisal.benefits import ITEMS, LABELS, QUANTITIES

APPRAISAL_FORMAT = 1
FILES = ["manifest.json", "cashflows.csv", "replications.csv", "quantities.csv",
         "summary.json", "summary.csv", "report.md"]


def money(v: float | None) -> str:
    """USD in millions (or billions), signed."""
    if v is None or not math.isfinite(v):
        return "–"
    if abs(v) >= 1e9:
        return f"{v / 1e9:,.2f}bn"
    return f"{v / 1e6:,.1f}m"


def _interval(entry: dict, fmt) -> str:
    ci = entry.get("ci95")
    return f"{fmt(entry['mean'])}" + (f" [{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "")


def _pct(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:.1%}"


def _rate_or_edge(v: float | str | None) -> str:
    """An EIRR of one replication: a rate, or what an infinite one means."""
    if v == "inf":
        return "over 1,000 %"
    if v == "-inf" or v is None:
        return "none (never repays)"
    return f"{float(v):.1%}"


def _median(e: dict) -> str:
    """The median EIRR over every replication (those that never repay lowest, those that
    repay at once highest), or the two middle ones when they are of different kinds."""
    if e["median"] is not None:
        return _rate_or_edge(e["median"])
    lo, hi = e["median_between"]
    return f"between {_rate_or_edge(lo)} and {_rate_or_edge(hi)}"


def _ratio(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(v) else f"{v:.2f}"


def summary_rows(result: Result) -> list[tuple[str, str]]:
    """(label, 'mean [95 % CI]') of the figures of merit, for the terminal and the
    report."""
    s = result.summary()
    e = s["eirr"]
    odd = [f"{e['none']} never repay{'s' if e['none'] == 1 else ''}" if e["none"] else "",
           f"{e['above_1000_percent']} repay at once (over 1,000 %)"
           if e["above_1000_percent"] else ""]
    odd = [o for o in odd if o]
    # a mean over only the replications with a rate, and its t-interval, say little (two
    # rates gave 222 % [-798 %, 1,243 %]): shown only when every replication has one
    eirr = (f"no mean: {', '.join(odd)} (the median below counts them)" if odd else
            _interval(e, _pct) if e["n"] else "–")
    rate = result.costs.appraisal.discount.rate
    rows = [("NPV, USD", _interval(s["npv_usd"], money)
             + (f"  (without CRN: ±{money(s['npv_usd']['unpaired_ci95_half_width'])})"
                if s["npv_usd"]["unpaired_ci95_half_width"] is not None else "")),
            ("P(NPV > 0)", f"{s['p_npv_positive']:.0%} of {result.n} replications"),
            ("benefit-cost ratio", _interval(s["bcr"], _ratio)),
            ("EIRR", eirr),
            ("EIRR, median of all replications", f"{_median(e)}; above the {rate:.1%} "
             f"discount rate in {e['above_discount_rate']} of {result.n}"),
            ("PV of benefits, USD", _interval(s["pv_benefits_usd"], money))]
    rows += [(f"  {LABELS[k]}", _interval(s[f"pv_{k}_usd"], money))
             for k in ITEMS if f"pv_{k}_usd" in s]
    rows.append(("PV of costs, USD", _interval(s["pv_costs_usd"], money)))
    rows.append(("benefits as a yearly sum, USD a year", _interval(
        s["annual_benefits_usd"], money)))
    vot = result.costs.value_of_time.usd_per_teu_day
    if "switching_value_of_time" in s:
        rows.append(("value of time at which the mean NPV is zero, USD per TEU-day",
                     switching_text(s["switching_value_of_time"], vot)))
    model = result.facts.get("model_value_of_time_usd_per_teu_day")
    own = s["model_values_of_time_usd_per_teu_day"]
    if "npv_at_model_value_of_time_usd" in s:
        rows.append((f"NPV at the model shippers' value of time ({model:g} USD per "
                     "TEU-day), USD", _interval(s["npv_at_model_value_of_time_usd"], money)))
    elif "switching_value_of_time" in s and values_of_time_differ(
            own.get("scenario"), own.get("counterfactual")):
        rows.append(("NPV at the model shippers' value of time, USD", "– ("
                     f"{value_of_time_text(own.get('scenario'))} in the scenario, "
                     f"{value_of_time_text(own.get('counterfactual'))} in the "
                     "counterfactual: no one value; see the warning)"))
    return rows


def switching_text(sw: dict, vot: float) -> str:
    """The switching value of time with its confidence set (:func:`switching_value`), and
    which way the NPV moves with the value of time where that is not the usual way."""
    v, ci, outside, time = sw["mean"], sw["ci95"], sw.get("outside"), sw.get("time", "saved")
    if v is None:
        return f"– (no time saved on the mean) (the appraisal's: {vot:g})"
    text = f"{v:,.0f}"
    why = f"the time {'saved' if time == 'saved' else 'lost'} is not clearly above zero"
    if ci:
        text += f" [{ci[0]:,.0f}, {ci[1]:,.0f}]"
    elif outside:
        text += f" [unbounded: any value outside {outside[0]:,.0f} to {outside[1]:,.0f}; {why}]"
    elif sw["n"] >= 2:
        text += f" [unbounded: {why}]"
    notes = []
    if time == "lost":
        notes.append("time is lost on the mean: the mean NPV is "
                     + ("below zero at any value of time" if v < 0 else "above zero only "
                        "below this value"))
    elif v < 0:
        notes.append("the mean NPV is above zero at any value of time")
    notes.append(f"the appraisal's: {vot:g}")
    return text + f" ({'; '.join(notes)})"


def headline(result: Result) -> str:
    a = result.costs.appraisal
    f = result.facts
    return (f"{f['scenario']['scenario']} against {f['counterfactual']['scenario']}: "
            f"{result.n} paired replications (seed {f['seed']}); {a.first_year}-"
            f"{a.last_year} discounted at {a.discount.rate:.1%} to {a.base_year} (a year's "
            f"flows times (1 + r)^-(year - {a.base_year})), prices of {a.price_year}; "
            "mean [95 % CI]")


def summary_text(result: Result) -> str:
    """The short table ``corridor appraise`` prints."""
    rows = summary_rows(result)
    width = max(len(k) for k, _ in rows)
    return "\n".join([headline(result), *(f"  {k:<{width}}  {v}" for k, v in rows)])


def report_markdown(result: Result) -> str:
    """``report.md``: the figures of merit, the assumptions, the cash flows and the
    notes."""
    c = result.costs
    a = c.appraisal
    lines = [f"# Appraisal: {result.facts['scenario']['scenario']} against "
             f"{result.facts['counterfactual']['scenario']}", "", headline(result), "",
             "| figure | mean [95 % CI] |", "|---|---|",
             *(f"| {k.strip()} | {v} |" for k, v in summary_rows(result)), "",
             "## Assumptions (costs file " + result.costs_path + ")", "",
             f"- Discount rate {a.discount.rate:.1%} a year to {a.base_year} "
             f"({a.discount.source}); prices of {a.price_year}. A year's flows are counted "
             f"whole in that year: year t's times (1 + r)^-(t - {a.base_year}), so "
             f"{a.base_year}'s count in full.",
             f"- Appraisal period {a.first_year}-{a.last_year} ({a.period_years} years); "
             f"simulated years {result.simulated[0]}-{result.simulated[-1]}; after them "
             + ("each replication's last simulated year is held." if a.beyond_horizon ==
                "hold_last" else "no benefit is counted."),
             f"- Value of time {c.value_of_time.usd_per_teu_day:g} USD per TEU-day "
             f"({c.value_of_time.source}).",
             f"- Carbon price {c.carbon.usd_per_t:g} USD/t CO2e"
             + (f"; the sea {c.carbon.sea_kg_per_teu:g} kg CO2e/TEU"
                if c.carbon.sea_kg_per_teu is not None else "") + f" ({c.carbon.source}).",
             f"- Margin {c.margin.usd_per_teu:g} USD per TEU gained on "
             f"{', '.join(c.margin.corridors)} ({c.margin.source}).",
             "- Benefits counted: " + ", ".join(LABELS[k] for k in ITEMS
                                                if getattr(c.benefits, k)) + ".",
             "- A year's transit time read from the boxes "
             + ("delivered in it (transit_time_days_mean)." if c.benefits.transit ==
                "delivered" else "that left their origin in it, those still under way "
                "counted by Kaplan-Meier (transit_time_days_km)."), "",
             "## Cost items", "", "| item | year | capex, USD | opex, USD/yr | from | "
             "life, yr | source |", "|---|---|---|---|---|---|---|"]
    for it in c.items:
        lines.append(f"| {it.name} | {it.year} | {money(it.capex_usd)} | "
                     f"{money(it.opex_usd_per_year)} | {it.opex_first} | "
                     f"{it.lifetime_years or '–'} | {it.source} |")
    cf = result.cashflow_table()
    mean = cf[cf["replication"] == "mean"]
    pv = mean.groupby("item", sort=False)["pv_usd"].sum()
    lines += ["", "## Present values by item (mean over replications)", "",
              "| item | PV, USD |", "|---|---|",
              *(f"| {k} | {money(v)} |" for k, v in pv.items()), ""]
    if result.notes:
        lines += ["## Notes", "", *(f"- {n}" for n in result.notes), ""]
    lines += ["How each benefit is computed from the KPIs: see the docstring of "
              "sim/study/appraisal/benefits.py.", ""]
    return "\n".join(lines)


def quantities_table(result: Result) -> pd.DataFrame:
    rows = []
    for name, v in result.quantities.items():
        for i, y in enumerate(result.simulated):
            for r in range(result.n):
                rows.append((y, name, QUANTITIES[name], str(r), float(v[i, r])))
            rows.append((y, name, QUANTITIES[name], "mean", float(v[i].mean())))
    return pd.DataFrame(rows, columns=["year", "quantity", "unit", "replication", "value"])


def summary_table(summary: dict) -> pd.DataFrame:
    rows = []
    for k, e in summary.items():
        if isinstance(e, dict) and "mean" in e:
            ci = e.get("ci95") or [None, None]
            rows.append((k, e["mean"], ci[0], ci[1], e["n"]))
    rows.append(("p_npv_positive", summary["p_npv_positive"], None, None,
                 summary["replications"]))
    return pd.DataFrame(rows, columns=["metric", "mean", "ci95_low", "ci95_high", "n"])


def write_appraisal(result: Result, out: str | Path, argv: list[str] | None = None) -> Path:
    """Write the appraisal folder atomically; returns its path."""
    out = Path(out)
    summary = result.summary()
    man = {"kind": "appraisal", "bundle_format": 1, "appraisal_format": APPRAISAL_FORMAT,
           **result.facts, "costs_file": result.costs_path,
           "costs": result.costs.model_dump(mode="json"), "years": result.years,
           "simulated_years": result.simulated, "notes": result.notes,
           **provenance(argv), "files": FILES}
    with atomic_dir(out, kind="appraisal") as tmp:
        result.cashflow_table().to_csv(tmp / "cashflows.csv", index=False,
                                       lineterminator="\n")
        result.per_replication.to_csv(tmp / "replications.csv", index=False,
                                      lineterminator="\n")
        quantities_table(result).to_csv(tmp / "quantities.csv", index=False,
                                        lineterminator="\n")
        (tmp / "summary.json").write_text(dumps(summary), encoding="utf-8")
        summary_table(summary).to_csv(tmp / "summary.csv", index=False, lineterminator="\n")
        (tmp / "report.md").write_text(report_markdown(result), encoding="utf-8")
        (tmp / "manifest.json").write_text(dumps(man), encoding="utf-8")
    return out
