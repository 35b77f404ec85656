"""What the nested logit against the sea predicted (``sea_share_predicted_mean``), for
scenarios with ``route_choice.model = "nested_logit"``.

Each block train leaving its origin logs the model's probability that a box of its flow
goes by sea at that hour (``RunOutput.sea_choices``, rows of
:class:`sim.engine.logs.SeaChoice`); the KPI is their mean over the trains that left in
the period, by flow the sea competes for (``sea_mode.origin_regions`` ->
``destination_regions``).

The split applied to the demand (:mod:`sim.engine.market`) is logged per market flow
and day (:class:`sim.engine.logs.MarketDay`): the market's expected boxes that day are the
day's candidates times ``1 / (P_rail_ref x headroom)``; ``containers_in_market``,
``containers_to_sea`` and ``rail_share_of_market_mean`` sum and weight them by year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import MarketDay, SeaChoice, columns
from sim.measure.monitors import PutYears, window_index

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


KPIS: dict[str, tuple[str, str]] = {
    "sea_share_predicted_mean": ("share", "the nested logit's probability that a box goes "
                                 "by sea rather than rail, at each block train's departure "
                                 "from its origin, averaged over the trains that left in the "
                                 "period, by flow the sea competes for; route_choice.model "
                                 "= 'nested_logit' only"),
    "containers_in_market": ("containers", "boxes of the market the rail flows split with the "
                          "sea (all modes), expected from the candidates drawn, by flow and "
                          "all, per year; nested logit with the sea only"),
    "containers_to_sea": ("containers", "the market's boxes expected to go by sea: market "
                          "boxes x P(sea) on their day (over the routes accepting trains "
                          "then), by flow and all, per year"),
    "rail_share_of_market_mean": ("share", "P(rail) on each day (over the routes accepting "
                                  "trains then) weighted by the day's market boxes, by flow "
                                  "and all, per year"),
    "mode_headroom_days": ("days", "days on which rail's share exceeded its headroom "
                           "(sea_mode.rail_headroom x the reference share), so every "
                           "candidate came to rail and rail was short of its demand; "
                           "summed over the market flows, per year"),
}


def choice_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """``sea_share_predicted_mean`` by flow the sea competes for and year (NaN for a year
    no train left)."""
    s, n_win = out.scenario, len(edges) - 1
    if s.sea_mode is None:
        return
    log: SeaChoice[np.ndarray] = columns(out.sea_choices, SeaChoice)
    j = window_index(np.asarray(log.departed_h, float), edges)
    code = np.asarray(log.flow, np.int64)
    p = np.asarray(log.p_sea, float)
    for f, fid in enumerate(out.flow_ids):
        flow = s.demand.flows[fid]
        if not s.sea_mode.competes(s.nodes[flow.origin].region,
                                   s.nodes[flow.destination].region):
            continue
        m = (code == f) & (j >= 0) & (j < n_win)
        count = np.bincount(j[m], minlength=n_win)
        total = np.bincount(j[m], weights=p[m], minlength=n_win)
        put_years("sea_share_predicted_mean", fid,
                  np.divide(total, count, out=np.full(n_win, np.nan), where=count > 0))


def market_kpis(out: RunOutput, edges: np.ndarray, put_years: PutYears) -> None:
    """The market split by the nested logit, by market flow and all, per year."""
    n_win = len(edges) - 1
    tot = {k: np.zeros(n_win) for k in ("market", "sea", "rail", "over")}
    for f, m in out.markets.items():
        d: MarketDay[np.ndarray] = columns(m.accepted, MarketDay)
        j = window_index(np.asarray(d.day_h, float), edges)
        ok = (j >= 0) & (j < n_win)
        j = j[ok]
        market = np.asarray(d.candidates, float)[ok] * m.scale
        # P(rail) as applied: over the routes accepting trains that day (the boxes the
        # refusing routes would have won went to sea too)
        accept = np.asarray(d.accept, float)[ok]
        p_rail = accept / m.scale
        sums = {"market": np.bincount(j, market, n_win),
                "sea": np.bincount(j, market * (1 - p_rail), n_win),
                "rail": np.bincount(j, market * p_rail, n_win),
                "over": np.bincount(j, (accept > 1).astype(float), n_win)}
        fid = out.flow_ids[f]
        _put_market(put_years, fid, sums)
        for k in tot:
            tot[k] += sums[k]
    if out.markets:
        _put_market(put_years, "all", tot)
        put_years("mode_headroom_days", "all", tot["over"])


def _put_market(put_years: PutYears, scope: str, sums: dict[str, np.ndarray]) -> None:
    put_years("containers_in_market", scope, sums["market"])
    put_years("containers_to_sea", scope, sums["sea"])
    put_years("rail_share_of_market_mean", scope,
              np.divide(sums["rail"], sums["market"], out=np.full(len(sums["market"]), np.nan),
                        where=sums["market"] > 0))
