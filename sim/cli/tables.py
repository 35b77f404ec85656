"""The text tables and summaries the ``corridor`` commands print, as pure functions of
data: a KPI table, a comparison table, an ABC draw, sweep counts or an index table in,
the text out (without its final newline). No argument parsing, no printing, no files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from sim.io.rows import focused, no_pair, untouched
from sim.measure.headline import COMPARE_HEADLINE, HEADLINE, TOTALS, TOTALS_SERVICE_SCOPES
from sim.measure.labels import kpi_label

if TYPE_CHECKING:
    import pandas as pd


def fmt(v: float) -> str:
    """A KPI value: thousands with separators, 1 decimal from 1, 3 below; NaN as '–'."""
    if v != v:  # NaN
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"


def sig(v: float) -> str:
    """Three significant digits (thousands with separators): indices and elasticities
    near 1 keep their second decimal."""
    if v != v:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def row_format(values: list[float]) -> Callable[[float], str]:
    """One number format for a row of the headline, from its largest value: whole numbers
    from 100, 1 decimal from 1, 3 below (a row of zeros: 0); from a million, whole
    thousands ("8,160k": a total and its part differ in more than the rounding)."""
    big = max(abs(v) for v in values)
    if big >= 1e6:
        return lambda v: f"{v / 1e3:,.0f}k"
    if big >= 100:
        return lambda v: f"{v:,.0f}"
    if big >= 1:
        return lambda v: f"{v:.1f}"
    if big == 0:
        return lambda v: "0"
    return lambda v: f"{v:.3f}"


Row = tuple[str, list[str]]  # a label and its cells, one per reported year


def run_summary(kpis: pd.DataFrame, scenario: str, seed: int, replications: int,
                precision: Mapping[str, Any] | None = None, columns: int = 100,
                posterior: Mapping[str, Any] | None = None) -> str:
    """The summary ``corridor run`` prints: the headline KPIs per reported year (with
    their 95 % intervals when there are several replications), the volumes with background
    traffic at the ports and on the ships, the precision reached (``--precision``) and the
    boxes still in the system at the end. The years of a table wider than ``columns``
    characters are printed in blocks that fit.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI table of a run (columns ``name``, ``period``, ``scope``, ``mean``,
        ``ci95_low``, ``ci95_high``).
    scenario, seed, replications
        What the first line says about the run.
    precision : mapping, optional
        The run's ``extra["precision"]`` (``target``, ``reached``, ``replications``,
        ``widest``), if it added replications until a precision.
    columns : int
        The width to fit (a terminal's).
    posterior : mapping, optional
        The run's ``extra["posterior"]`` (``draws``, ``replications_per_draw``), if it ran
        a calibration's posterior: the first line says its replications are draws of the
        parameters, so that the intervals carry their uncertainty too.
    """
    k = kpis
    years = sorted(p for p in set(k.period) if p != "run")
    ci = replications > 1
    drawn = (f" ({len(posterior['draws'])} posterior draws x "
             f"{posterior['replications_per_draw']}: the intervals carry the fitted "
             "parameters' uncertainty too)" if posterior else "")
    lines = [f"{scenario}: seed {seed}, {replications} replication(s){drawn}"
             + ("; mean [95 % CI]" if ci else "")]
    table: list[Row] = []
    for name, scope, label in HEADLINE:
        got = []
        for y in years:
            m = k[(k.name == name) & (k.period == y) & (k.scope == scope)]
            got.append(None if m.empty else m.iloc[0])
        vals = [float(r["mean"]) for r in got if r is not None and r["mean"] == r["mean"]]
        if not vals:
            continue
        form = row_format(vals)
        cells = []
        for r in got:
            if r is None or r["mean"] != r["mean"]:
                cells.append("–")
                continue
            cell = form(float(r["mean"]))
            if ci and r["ci95_low"] == r["ci95_low"]:
                cell += f" [{form(float(r['ci95_low']))}, {form(float(r['ci95_high']))}]"
            cells.append(cell)
        table.append((label, cells))
    totals = _totals(k, years)
    w_label = max([40] + [len(label) for label, _ in table + totals])
    lines += blocks("KPI", years, table, w_label, columns)
    if totals:
        lines += blocks("with background traffic, both directions: total (of which "
                         "background)", years,
                         totals, w_label, columns)
    links = sorted(set(k.scope[k.name == "link_trains_total"]))
    if links:
        lines.append(f"  trains on {len(links)} line{'s' if len(links) > 1 else ''} with "
                     "background traffic: link_trains_total in kpis.csv")
    if precision:
        w = precision["widest"]
        worst = (f"{w['relative_half_width']:.2%} for {' '.join(w['kpi'])}" if w["kpi"]
                 else "none")
        lines.append(f"  precision {precision['target']:.1%}: "
                     + ("reached" if precision["reached"] else "NOT reached")
                     + f" after {precision['replications']} replications (widest half-width "
                     f"{worst})")
        missing = precision.get("unmeasured") or []
        if missing:
            lines.append("    no yearly value to measure in this run: "
                         + "; ".join(":".join(w[:2]) + (f"@{w[2]}" if len(w) > 2 else "")
                                     for w in missing))
    in_sys = k[(k.name == "containers_in_system") & (k.period == "run") & (k.scope == "all")]
    if not in_sys.empty:
        n_in = float(in_sys["mean"].iloc[0])
        lines.append(f"  boxes still in the system at the end: {n_in:,.0f}")
    return "\n".join(lines)


def warmup_summary(table: pd.DataFrame, scenario: str, window: tuple[Any, Any],
                   reference_days: int, replications: int, seed: int,
                   longest_transit: tuple[float, str, str] | None = None,
                   columns: int = 100) -> str:
    """What ``corridor warmup`` prints: per headline KPI and warm-up, the window's mean
    with that warm-up minus the reference's and its interval (``*``: it excludes zero, or
    the KPI has no value with that warm-up), then a verdict per warm-up.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`sim.study.warmup.WarmupCheck.table`.
    scenario, window, reference_days, replications, seed
        What the first lines say about the test.
    longest_transit : (days, flow, route), optional
        The longest expected transit: a warm-up shorter than it is said to be so whatever
        the test found (its intervals may be too wide to see the bias).
    """
    start, end = window
    days = sorted(set(int(w) for w in table["warmup_days"]))
    period = str(table["period"].iloc[0]) if len(table) else "–"
    lines = [f"{scenario}: warm-up test over {start} .. {end} (exclusive; KPI period "
             f"{period}), seed {seed}, {replications} replications per warm-up",
             f"  each column: the mean with that warm-up minus the mean with "
             f"{reference_days} days [interval]; * excludes 0",
             "  (if a warm-up is long enough, the chance of any * in its column is at most "
             "5 %)"]
    rows: list[Row] = []
    order = {(name, scope): i for i, (name, scope, _label) in enumerate(HEADLINE)}
    groups = sorted(table.groupby(["name", "scope"]), key=lambda kg: order.get(kg[0], 0))
    for _key, g in groups:
        by = {int(r.warmup_days): r for r in g.itertuples()}
        numbers = [abs(x) for r in by.values() for x in (r.diff, r.diff_low, r.diff_high)
                   if x == x]
        form = row_format(numbers or [0.0])
        cells = []
        for w in days:
            r = by.get(w)
            if r is None:
                cells.append("–")
            elif r.status == "missing":
                cells.append("no value*")
            elif r.diff_low != r.diff_low:  # untested: too few values
                cells.append(f"{form(r.diff)} (untested)" if r.diff == r.diff else "–")
            else:
                cells.append(f"{form(r.diff)} [{form(r.diff_low)}, {form(r.diff_high)}]"
                             + ("*" if r.differs else " (untested)"
                                if r.status == "untested" else ""))
        rows.append((str(g["label"].iloc[0]), cells))
    lines += blocks("KPI", [f"{w} days" for w in days], rows,
                     max([40] + [len(label) for label, _ in rows]), columns)
    for w in days:
        t = table[table["warmup_days"] == w]
        bad = [label.strip() + (" (no value)" if st == "missing" else "")
               for label, st in zip(t["label"], t["status"]) if st in ("differs", "missing")]
        if bad:
            lines.append(f"  {w} days: too short: {len(bad)} of {len(t)} KPIs differ from "
                         f"{reference_days} days ({'; '.join(bad)})")
        else:
            lines.append(f"  {w} days: no KPI differs from {reference_days} days beyond "
                         f"chance ({len(t)} KPIs)")
        untested = [label.strip() for label, st in zip(t["label"], t["status"])
                    if st == "untested"]
        if untested:
            lines.append(f"    not tested (fewer than 2 values, or no spread): "
                         f"{'; '.join(untested)}")
        if longest_transit is not None and w < longest_transit[0]:
            lines.append(f"    but {w} days is shorter than the longest expected transit, "
                         f"{longest_transit[0]:.1f} days (flow {longest_transit[1]} by route "
                         f"{longest_transit[2]}): its first boxes arrive after it")
    return "\n".join(lines)


def blocks(title: str, years: list[str], rows: list[Row], w_label: int,
            columns: int) -> list[str]:
    """A table of ``rows`` under a header of ``title`` and the years, each column as wide
    as its widest cell; if it is wider than ``columns``, its years in blocks that fit
    (each block with its own header), at least one year a block. A title longer than the
    labels' width takes a line of its own."""
    if not rows:
        return []
    widths = [max(len(y), *(len(cells[i]) for _, cells in rows)) + 2
              for i, y in enumerate(years)]
    blocks: list[list[int]] = [[]]
    used = 2 + w_label
    for i, w in enumerate(widths):
        if blocks[-1] and used + w > columns:
            blocks.append([])
            used = 2 + w_label
        blocks[-1].append(i)
        used += w
    out = []
    for block in blocks:
        head = "".join(f"{years[i]:>{widths[i]}s}" for i in block)
        if len(title) > w_label:
            out += [f"  {title}", f"  {'':{w_label}s}{head}"]
        else:
            out.append(f"  {title:{w_label}s}{head}")
        out += [f"  {label:{w_label}s}" + "".join(f"{cells[i]:>{widths[i]}s}" for i in block)
                for label, cells in rows]
    return out


def _shown_service(scope: str) -> bool:
    """Of a service volume's scopes, those shown: both directions of a service
    (``SERVICE:both``) and the lines between two countries (``AA-BB``)."""
    both, pair = TOTALS_SERVICE_SCOPES
    return scope.endswith(both) or (pair in scope and ":" not in scope)


def _totals(k: pd.DataFrame, years: list[str]) -> list[Row]:
    """Rows of the volumes with background traffic at the ports and on the ships
    (:data:`TOTALS`), per scope a run
    has: each year's mean total and, in brackets, its background part, in one number
    format a row (:func:`row_format`)."""
    found: list[tuple[str, str, list[str]]] = []  # label, scope, cells
    for total, part, label in TOTALS:
        mine = k[k.name == total]
        for scope in sorted(set(mine.scope)):
            if total.startswith(("service_", "ferry_")) and not _shown_service(scope):
                continue
            pairs: list[tuple[float, float | None] | None] = []
            for y in years:
                t = mine[(mine.period == y) & (mine.scope == scope)]
                b = k[(k.name == part) & (k.period == y) & (k.scope == scope)]
                if t.empty or t.iloc[0]["mean"] != t.iloc[0]["mean"]:
                    pairs.append(None)
                    continue
                pairs.append((float(t.iloc[0]["mean"]),
                              None if b.empty else float(b.iloc[0]["mean"])))
            values = [v for p in pairs if p is not None for v in p if v is not None]
            if not any(values):
                continue  # nothing of the kind there (a ferry line's TEU: it carries wagons)
            form = row_format(values)
            found.append((label, scope, [
                "–" if p is None else form(p[0]) + (
                    "" if p[1] is None else f" ({form(p[1]) if p[1] else '0'})")
                for p in pairs]))
    # a line between two countries that one service makes (scope AA-BB): the service's row
    # says the same
    both = TOTALS_SERVICE_SCOPES[0]
    services = {(label, tuple(cells)) for label, scope, cells in found if scope.endswith(both)}
    return [(f"{label} {scope.removesuffix(both)}", cells) for label, scope, cells in found
            if scope.endswith(both) or (label, tuple(cells)) not in services]


def comparison_summary(table: pd.DataFrame, facts: Mapping[str, Any],
                       limit: int = 40, one_sided: int = 5) -> str:
    """The summary ``corridor compare`` prints: per headline KPI (or, with a focus, per
    KPI asked for) and reported year the mean paired difference (other - base), its 95 %
    interval and the relative change; then the inputs that differ.

    Rows identical in every replication (the scenarios differ somewhere else) are counted,
    not shown; a row with no pair to difference (one folder lacks it, or its value is
    undefined there) shows the value the other side has and says why there is no
    difference; KPI rows found in one folder only are counted, and without a focus the
    first ``one_sided`` (KPI, scope) pairs of them not in the headline shown; at most
    ``limit`` rows.

    Parameters
    ----------
    table, facts
        What :func:`sim.study.compare.compare` returns (``facts["focus"]``: the KPIs
        and scopes asked for).
    """
    names = (facts["other"]["scenario"], facts["base"]["scenario"])
    if names[0] == names[1]:  # e.g. two --set variants: name the folders
        names = (facts["other"]["folder"], facts["base"]["folder"])
    lines = [f"{names[0]} - {names[1]}: seed {facts['seed']}, {facts['pairs']} paired "
             "replication(s); mean difference [95 % CI] (relative)"]
    focus = facts.get("focus") or {}
    if focus:
        view = focused(table, tuple(focus.get("kpis") or ()), tuple(focus.get("scopes") or ()))
        keys = list(dict.fromkeys(zip(view["name"], view["scope"])))
        periods = sorted(set(view.period), key=lambda p: (p == "run", p))
    else:
        view, keys = table, list(COMPARE_HEADLINE)
        periods = sorted(p for p in set(table.period) if p != "run")
    same = shown = more = neither = 0
    notes: set[str] = set()
    index = view.assign(untouched=untouched(view)).set_index(["name", "scope", "period"])
    for name, scope in keys:
        for y in periods:
            if (name, scope, y) not in index.index:
                continue
            r = index.loc[(name, scope, y)]
            if (r["base_mean"] != r["base_mean"] and r["other_mean"] != r["other_mean"]
                    and r.get("found_in", "both") == "both"):
                neither += 1  # undefined in both (no box of the route in either ...)
                continue
            if r["untouched"]:
                same += 1  # identical in every replication: the scenario did not touch it
                continue
            if shown == limit:
                more += 1
                continue
            shown += 1
            lines.append(_comparison_line(r, name, scope, y, notes))
    if more:
        lines.append(f"  ({more} more rows: see comparison.csv, or narrow with --kpi/--scope)")
    if same:
        lines.append(f"  ({same} more of these rows are identical in every replication)")
    if neither:
        lines.append(f"  ({neither} more of these rows have no value in either folder, e.g. "
                     "a mean over no boxes)")
    touched = list(facts.get("touched") or [])
    if touched and not focus:  # the headline may not show them (a closure's rows)
        lines.append("  (the rows of the elements whose inputs differ: --scope "
                     + " --scope ".join(touched[:4]) + (" ..." if len(touched) > 4 else "")
                     + ")")
    lines += _one_sided(table, facts, 0 if focus else one_sided, set(keys), notes)
    for n in ("row", "value"):
        if n in notes:
            lines += textwrap.wrap(f"({ONE_SIDED_WHY[n]})", 96, initial_indent="  ",
                                   subsequent_indent="   ")
    differ = facts.get("inputs_differ") or []
    if differ:
        n = facts.get("inputs_differ_count", len(differ))
        lines.append(f"inputs that differ ({n}):")
        for d in differ[:8]:
            if d["path"] == "timeline":  # a dated change one side lacks, in its own line
                # ("(not set)": sim.study.compare.MISSING, not imported: it loads pandas)
                sign, e = ("+", d["other"]) if d["base"] == "(not set)" else ("-", d["base"])
                lines.append(f"  timeline: {sign} {_short(e, 90)}")
            else:
                lines.append(f"  {d['path']}: {_short(d['base'])} -> {_short(d['other'])}")
        if n > 8:
            lines.append(f"  ... {n - 8} more (listed in manifest.json)")
    return "\n".join(lines)


# why a comparison row has no difference: the summary's notes
ONE_SIDED_WHY = {
    "row": "no such row: that folder's scenario lacks the element (a port, route, service "
           "...) or what the KPI measures (costs, acceptance limits, wagon pools, the "
           "nested logit ...); an older run folder, written before the closure KPIs were "
           "written for every facility that can close, lacks them where nothing closed",
    "value": "no value: undefined in every replication compared, as a peak backlog or a "
             "recovery time where nothing closed, or a mean over no boxes"}


def _comparison_line(r: Any, name: str, scope: str, period: str, notes: set[str]) -> str:
    """One row of the comparison summary: the paired difference, or, with no pair to
    difference, the value one side has and why the other has none (``notes`` gets which
    of :data:`ONE_SIDED_WHY` it used)."""
    what = kpi_label(name, scope)
    unit = r.get("unit", "")
    if isinstance(unit, str) and unit and unit not in what:
        what += f" ({unit})"
    head = f"  {what:56s} {period:>4s}  "
    b, o = r["base_mean"], r["other_mean"]
    why = no_pair(r.get("found_in", "both"), b, o, r["diff_mean"])
    if why is not None and why[0] == "pair":  # each side's values in other replications
        form = row_format([abs(b), abs(o)])
        return head + f"base {form(b)}, other {form(o)}; no replication has both"
    if why is not None:  # one side has no row, or no value
        kind, side, lack = why
        value = r[f"{side}_mean"]
        shown = row_format([abs(value)])(value) if value == value else "–"
        notes.add(kind)
        if kind == "value":
            return head + f"{side} {shown}; {lack}: no value"
        return head + f"{side} {shown}; the {lack} has no such row"
    ends = [r["diff_ci95_low"], r["diff_ci95_high"]]
    numbers = [abs(v) for v in (r["diff_mean"], *ends) if v == v]
    form = row_format(numbers) if numbers else fmt  # (no difference: '–')
    ci = ("" if ends[0] != ends[0] else f" [{form(ends[0])}, {form(ends[1])}]")
    rel = "" if r["rel_change"] != r["rel_change"] else f" ({r['rel_change']:+.1%})"
    return head + f"{form(r['diff_mean']):>10s}{ci}{rel}"


def _one_sided(table: pd.DataFrame, facts: Mapping[str, Any], first: int,
               shown: set[tuple[str, str]], notes: set[str]) -> list[str]:
    """The count of KPI rows in one folder only, then the ``first`` (KPI, scope) pairs of
    them not ``shown`` already, each with its last period."""
    n_base, n_other = len(facts["only_in_base"]), len(facts["only_in_other"])
    if not n_base + n_other:
        return []
    out = [f"  KPI rows in one folder only: {n_base} base, {n_other} other (comparison.csv, "
           "column found_in)"]
    if "found_in" not in table or not first:
        return out
    rest = table[table["found_in"] != "both"]
    pairs = [k for k in dict.fromkeys(zip(rest["name"], rest["scope"])) if k not in shown]
    for name, scope in pairs[:first]:
        rows = rest[(rest["name"] == name) & (rest["scope"] == scope)]
        last = max(rows["period"], key=lambda p: (p != "run", p))
        r = rows[rows["period"] == last].iloc[0]
        out.append(_comparison_line(r, name, scope, last, notes))
    if len(pairs) > first:
        n = len(pairs) - first
        out.append(f"  ... {n} more (KPI, scope) pair{'s' if n > 1 else ''} in one folder "
                   "only (comparison.csv)")
    return out


def _short(v: Any, width: int = 40) -> str:
    """A value of a scenario's input in one short line."""
    text = str(v)
    return text if len(text) <= width else text[:width - 1] + "…"


def abc_summary(draws: pd.DataFrame, parameters: Iterable[str]) -> str:
    """How many ABC draws were kept, and the range of each parameter over them.

    Parameters
    ----------
    draws : pandas.DataFrame
        One row per draw: a boolean column ``accepted`` and one column per parameter;
        ``draws.attrs["threshold"]`` is the acceptance threshold of the objective,
        ``draws.attrs["threshold_published_errors"]`` what it is on the published errors
        alone and ``draws.attrs["noise_replications"]`` the replications whose noise in
        the mean raised it (None: not estimated, one replication per evaluation).
    parameters : iterable of str
        The parameter columns to show, in this order.
    """
    kept = draws[draws.accepted]
    threshold, published = draws.attrs["threshold"], draws.attrs.get(
        "threshold_published_errors")
    r = draws.attrs.get("noise_replications")
    why = ("" if published is None else
           f" ({published:.3g} from the published errors, +{threshold / published - 1:.0%} "
           f"for the simulation's noise in the mean of {r} replications)" if r else
           " (from the published errors alone: one replication per evaluation gives no "
           "estimate of the simulation's noise)")
    return (f"ABC: {len(kept)} of {len(draws)} draws within the 95 % "
            f"threshold {threshold:.3g}{why}" + ("" if kept.empty else "; kept "
            "ranges: " + ", ".join(f"{p} {kept[p].min():.4g}..{kept[p].max():.4g}"
                                   for p in parameters)))


def parameter_values(values: Mapping[str, float]) -> str:
    """One line per fitted parameter: its id and value (6 significant digits)."""
    return "\n".join(f"  {pid:30s} {v:.6g}" for pid, v in values.items())


class SweepCounts(Protocol):
    """What :func:`sweep_summary` reads of a sweep's run summary."""

    runs: int
    resumed: int
    ran: int
    failed: int
    failed_total: int
    wall_s: float


def sweep_summary(method: str, points: int, replications: int, counts: SweepCounts) -> str:
    """The line ``corridor sweep`` prints: design points x replications, how many runs
    were done before (resumed), run now, and failed."""
    return (f"sweep {method}: {points} design points x {replications} replication(s) = "
            f"{counts.runs} runs; {counts.resumed} already done, {counts.ran} run now in "
            f"{counts.wall_s:.1f} s ({counts.failed} of them failed; {counts.failed_total} "
            "failed in all)")


def indices_summary(table: pd.DataFrame, method: str,
                    noise_shares: Mapping[str, float]) -> str:
    """The table ``corridor analyze`` prints: per output its replication-noise share, then
    one line per (parameter, index) with its value, 95 % interval and the range it takes
    when computed from one replication at a time.

    Parameters
    ----------
    table : pandas.DataFrame
        The index table of :func:`sim.study.analyze.analyze` (columns ``output``,
        ``parameter``, ``index``, ``value``, ``ci95_low``, ``ci95_high``, ``rep_low``,
        ``rep_high``); its ``noise_share`` rows are not repeated as lines.
    method : str
        The sweep's design method, shown with every output.
    noise_shares : mapping of str to float
        Per output, the share of the variance of the point means that is replication
        noise (NaN: not available).
    """
    lines = []
    for out, rows in table.groupby("output", sort=False):
        noise = noise_shares[str(out)]
        lines.append(f"{out} ({method}; replication noise "
                     f"{'n/a' if noise != noise else f'{noise:.1%}'} of the variance of the "
                     "point means)")
        for r in rows[rows["index"] != "noise_share"].itertuples(index=False):
            ci = ("" if r.ci95_low != r.ci95_low else
                  f" [{sig(r.ci95_low)}, {sig(r.ci95_high)}]")
            rep = ("" if r.rep_low != r.rep_low else
                   f"  (one replication: {sig(r.rep_low)}..{sig(r.rep_high)})")
            lines.append(f"  {r.parameter:34s} {r.index:11s} {sig(r.value):>10s}{ci}{rep}")
    return "\n".join(lines)
