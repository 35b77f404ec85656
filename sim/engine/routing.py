"""Which route a block train takes from its origin.

Two ways, by ``route_choice.model``:

* by shares: one uniform draw per train against the route shares in force at its
  departure (the flow's, then those of dated share changes), drawn for all of a flow's
  trains at once (:func:`draw_routes`); a change of shares moves as few trains as it can
  (:func:`reassign`), so that two scenarios run with the same seed differ only where
  their shares do (common random numbers);
* by a logit over generalised cost, chosen at each departure from the transit times
  learned so far (:class:`LogitChoice`);
* by the nested logit against the sea: the rail route by its probability within the
  rail nest, the model's P(sea) logged (:class:`NestedChoice`); for the flows the sea
  competes for, P(rail) also decides which of the market's boxes come to rail
  (:mod:`sim.engine.market`).

Under either logit a route that opens during the run (``routes.X.open_from``) is not
offered before its hour (:func:`opening_hours`), as a route refusing trains is not.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

import numpy as np

from sim.engine.choice import Learner, logit_probabilities, quote_start, utility
from sim.engine.output import Calendar
from sim.scenario.leg_costs import Element, route_cost_usd_per_feu, route_elements
from sim.scenario.nested_logit import TEU_PER_FEU, NestedShares
from sim.scenario.network import routes_of
from sim.scenario.path_size import PathSize
from sim.scenario.route_constants import route_constant
from sim.scenario.schema import Scenario


def pick(share: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index of the share interval each uniform ``u`` falls in (no draw falls past the last
    route with a share)."""
    cum = np.cumsum(share)
    cum[np.flatnonzero(share > 0)[-1]:] = 1.0
    return np.searchsorted(cum, u, side="right")


def reassign(old: np.ndarray, new: np.ndarray, route: np.ndarray, u: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The coupling of two share vectors that moves the fewest draws: a draw on route r
    stays if its place within r's old interval is below new_r / old_r; the rest, taken in
    order, fill the gains of the growing routes in order. Returns the new routes and the
    draws' places in the new intervals, uniform again, for a later change."""
    start_old = np.concatenate(([0.0], np.cumsum(old)[:-1]))
    start_new = np.concatenate(([0.0], np.cumsum(new)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(old[route] > 0, (u - start_old[route]) / old[route], 0.0)
        keep = np.where(old > 0, np.minimum(new / old, 1.0), 0.0)
    stays = q < keep[route]
    loss = np.maximum(old - new, 0.0)
    gain = np.maximum(new - old, 0.0)
    # position in the pool of moved draws: the losing routes' moved parts, in route order
    loss_start = np.concatenate(([0.0], np.cumsum(loss)[:-1]))
    p = loss_start[route] + (q - keep[route]) * old[route]
    gain_cum = np.cumsum(gain)
    target = np.minimum(np.searchsorted(gain_cum, p, side="right"), len(new) - 1)
    new_route = np.where(stays, route, target)
    kept_mass = np.minimum(old, new)  # stayers fill the start of each new interval
    offset = np.where(stays, q * old[route],
                      kept_mass[target] + p - (gain_cum[target] - gain[target]))
    new_u = start_new[new_route] + np.clip(offset, 0.0, np.maximum(new[new_route], 0.0))
    return new_route, new_u


def draw_routes(scenario: Scenario, calendar: Calendar, route_ids: list[str], fid: str,
                t: list[float], rng: np.random.Generator) -> np.ndarray:
    """Route codes for trains of flow ``fid`` leaving at hours ``t``: one uniform draw
    per train against the shares in force at its departure (the flow's, then those of
    dated share changes). A change moves as few trains as it can: a train keeps its
    route unless that route's share fell, and only the fall's worth of trains move,
    to the routes whose share rose — so two scenarios with the same seed differ only
    where their shares do (common random numbers)."""
    s = scenario
    names = routes_of(s, fid)
    codes = np.array([route_ids.index(r) for r in names])
    tables = [(-np.inf, s.demand.flows[fid].routes)] + [
        (calendar.hours(ch.date), ch.shares[fid])
        for ch in sorted(s.timeline, key=lambda c: c.date)
        if ch.shares is not None and fid in ch.shares]
    u = rng.random(len(t))
    regime = np.searchsorted([a for a, _ in tables], np.asarray(t, float),
                             side="right") - 1
    out = np.empty(len(t), np.int64)
    share = np.array([tables[0][1].get(r, 0.0) for r in names])
    route = pick(share, u)
    for k in range(len(tables)):
        if k:  # move trains from the routes that lost share to those that gained it
            new = np.array([tables[k][1].get(r, 0.0) for r in names])
            route, u = reassign(share, new, route, u)
            share = new
        m = regime == k
        out[m] = codes[route[m]]
    return out


def opening_hours(scenario: Scenario, calendar: Calendar, ids: list[str]
                  ) -> tuple[np.ndarray, float] | None:
    """The hour each of the routes ``ids`` opens (``routes.X.open_from``; -inf: open all
    run) and the last of them; None when every route is open from hour 0. A choice offers
    a route only from its hour (:meth:`NestedChoice.shares`, :meth:`LogitChoice.weights`)."""
    opens = [scenario.routes[rid].open_from for rid in ids]
    hours = np.array([-np.inf if d is None else calendar.hours(d) for d in opens])
    last = float(hours.max())
    return (hours, last) if last > 0 else None


def _existing(opening: tuple[np.ndarray, float] | None, now: float) -> np.ndarray | None:
    """Mask of the routes that exist at hour ``now`` (None: all of them)."""
    if opening is None or now >= opening[1]:
        return None
    return opening[0] <= now


class LogitChoice:
    """A function of the departure hour that draws one of flow ``fid``'s ``routes`` (route
    codes) by the logit over what ``learner`` has learned by then; :meth:`weights` gives
    the probabilities."""

    def __init__(self, scenario: Scenario, route_ids: list[str], learner: Learner,
                 routes: list[int], rng: np.random.Generator, fid: str):
        self.rc, self.learner, self.routes, self.rng = scenario.route_choice, learner, routes, rng
        ids = [route_ids[r] for r in routes]
        self.tariffs = [scenario.routes[rid].tariff_usd_per_feu for rid in ids]
        self.consts = [route_constant(self.rc.constants, fid, rid) for rid in ids]
        self.opening = opening_hours(scenario, Calendar.of(scenario), ids)

    def weights(self, now: float) -> np.ndarray:
        v = []
        for r, c, tariff in zip(self.routes, self.consts, self.tariffs):
            days, unreliability = self.learner.as_of_quote(r, now)
            v.append(utility(self.rc, c, days, tariff, unreliability))
        exists = _existing(self.opening, now)  # a route not open yet: not offered
        return logit_probabilities(np.array(v) if exists is None
                                   else np.where(exists, v, -np.inf))

    def __call__(self, now: float) -> int:
        p = np.cumsum(self.weights(now))
        p[-1] = 1.0
        return self.routes[int(np.searchsorted(p, self.rng.random(), side="right"))]


def shares_in_force(scenario: Scenario, calendar: Calendar, fid: str, t: float
                    ) -> dict[str, float]:
    """Flow ``fid``'s route shares in force at hour ``t`` (its own, then those of dated
    share changes)."""
    shares = scenario.demand.flows[fid].routes
    for ch in sorted(scenario.timeline, key=lambda c: c.date):
        if ch.shares is not None and fid in ch.shares and calendar.hours(ch.date) <= t:
            shares = ch.shares[fid]
    return shares


class NestedChoice:
    """The nested logit against the sea for the block trains of flow ``f``, as of an hour:
    the rail routes by their probability within the rail nest, from the transit times
    ``learner`` has learned by then and the routes' all-in cost per FEU in that year
    (``[costs]``); the sea by its dated time and rate and its constant ``sea_constant``
    (:func:`sim.scenario.mode_split.sea_constant`).

    Called with a departure hour, it draws one of ``routes`` (route codes) by P(route |
    rail) and logs the model's P(sea) at that departure in ``log`` (a ``SeaChoice`` row;
    no log: the sea does not compete for the flow). :meth:`shares` gives the probabilities
    (the market's rail share, :mod:`sim.engine.market`)."""

    def __init__(self, scenario: Scenario, calendar: Calendar, route_ids: list[str],
                 learner: Learner, routes: list[int], f: int, rng: np.random.Generator,
                 log: list[tuple[int, float, float]] | None, sea_constant: float,
                 sea_days: dict[int, tuple[int, float]] | None = None):
        s, rc = scenario, scenario.route_choice
        if s.sea_mode is None or rc.value_of_time_usd_per_teu_day is None:
            raise ValueError("nested_logit needs [sea_mode] and a value of time")  # checked
        self.s, self.cal, self.learner, self.routes, self.f = s, calendar, learner, routes, f
        self.rng, self.log, self.sea_constant = rng, log, sea_constant
        self.fid = list(s.demand.flows)[f]
        self.ids = [route_ids[r] for r in routes]
        self.consts = [float(route_constant(rc.constants, self.fid, rid)) for rid in self.ids]
        self._cost_by_year: dict[int, list[float]] = {}
        self._elements: list[list[Element]] | None = None  # what each route charges for
        self._sea_dates = [r.date for r in s.sea_mode.rates]
        self.opening = opening_hours(s, calendar, self.ids)  # routes.X.open_from
        # routes sharing their track (sim.scenario.path_size), in self.routes' order
        self.path_size = PathSize(s, self.fid) if rc.path_size else None
        # the re-quote period whose shares are cached, by the mask of open routes
        self._period = -1
        self._period_days = rc.requote_days
        self._period_h = 24.0 * rc.requote_days
        self._cached: dict[bytes | None, NestedShares] = {}
        # the _day_terms of the period's first day
        self._today: tuple[list[float], float] = ([], 0.0)
        # by day of the run: its year and the sea's utility, which are the same for every
        # flow (the model's choices share one; none given: this choice's own)
        self._sea_days: dict[int, tuple[int, float]] = {} if sea_days is None else sea_days
        self._ln_ps: dict[bytes | None, list[float]] = {}  # path-size terms by mask

    def shares(self, now: float, open_routes: np.ndarray | None = None) -> NestedShares:
        """P(sea), P(rail) and P(route | rail) as of the start of hour ``now``'s re-quote
        period (``route_choice.requote_days``; P(sea) meaningless when the sea does not
        compete: then only P(route | rail) is used); ``open_routes``: a mask over the
        routes, the others not offered (none open: rail's share is 0; a route not open yet,
        ``routes.X.open_from``, is never offered). Computed once a period per mask: what is
        learned changes a period at a time (sim.engine.choice); the masks, which routes
        accept trains and which exist, are read when asked."""
        exists = _existing(self.opening, now)
        if exists is not None:
            open_routes = exists if open_routes is None else open_routes & exists
        period = int(now // self._period_h)
        if period != self._period:
            # the costs of the year and the sea's utility of the period's first day
            self._today = self._day_terms(period * self._period_days)
            self._period = period
            self._cached.clear()
        key = None if open_routes is None else open_routes.tobytes()
        p = self._cached.get(key)
        if p is None:
            p = self._cached[key] = self._shares(now, open_routes)
        return p

    def _day_terms(self, day_n: int) -> tuple[list[float], float]:
        """The routes' all-in cost per FEU in the year of day ``day_n`` of the run, and the
        sea's utility that day."""
        known = self._sea_days.get(day_n)
        if known is None:
            known = self._sea_days[day_n] = self._sea_day(day_n)
        year, v_sea = known
        cost = self._cost_by_year.get(year)
        if cost is None:
            if self._elements is None:  # (the same in every year)
                self._elements = [route_elements(self.s, self.fid, rid) for rid in self.ids]
            cost = self._cost_by_year[year] = [
                route_cost_usd_per_feu(self.s, self.fid, rid, year, elements)
                for rid, elements in zip(self.ids, self._elements)]
        return cost, v_sea

    def _sea_day(self, day_n: int) -> tuple[int, float]:
        """The year of day ``day_n`` of the run and the sea's utility that day."""
        s, rc = self.s, self.s.route_choice
        sea, vot = s.sea_mode, rc.value_of_time_usd_per_teu_day
        assert sea is not None and vot is not None  # (__init__)
        day = self.cal.t0 + dt.timedelta(days=day_n)
        b_cost, per_day = rc.tariff_per_kusd / 1000.0, vot * TEU_PER_FEU
        rate = sea.rates[max(bisect.bisect_right(self._sea_dates, day) - 1, 0)]  # sea.at
        v_sea = (self.sea_constant + b_cost * (rate.usd_per_feu + per_day
                                               * rate.door_to_door_days)
                 + rc.unreliability_per_day * sea.unreliability(rate))
        return day.year, v_sea

    def _shares(self, now: float, open_routes: np.ndarray | None) -> NestedShares:
        """:func:`sim.scenario.nested_logit.nested_shares` of the period's utilities, in plain
        floats (a flow has a handful of routes: numpy's per-call cost would dominate)."""
        rc = self.s.route_choice
        vot = rc.value_of_time_usd_per_teu_day
        assert vot is not None  # (__init__)
        cost, v_sea = self._today
        b_cost, b_unrel, mu = rc.tariff_per_kusd / 1000.0, rc.unreliability_per_day, \
            rc.nest_scale
        per_day = vot * TEU_PER_FEU
        key = None if open_routes is None else open_routes.tobytes()
        offered = [True] * len(self.routes) if open_routes is None else open_routes.tolist()
        learner, h = self.learner, quote_start(now, self._period_h)
        if learner.feed is not None:
            learner.feed.until(h)  # what was delivered before the period's first midnight
        ln_ps = self._ln_ps.get(key)
        if ln_ps is None:  # the path-size terms of the routes on offer
            ln_ps = self._ln_ps[key] = (self.path_size.ln_ps(np.array(offered)).tolist()
                                        if self.path_size else [0.0] * len(offered))
        v = []  # V_r / mu of the offered routes
        for r, c, usd, ok, ps in zip(self.routes, self.consts, cost, offered, ln_ps):
            if ok:
                days, unrel = learner.expected(r, h)
                v.append((c + b_cost * (usd + per_day * days) + b_unrel * unrel) / mu + ps)
        if not v:  # nothing offered: rail's share is 0
            zero = np.zeros(len(self.routes))
            return NestedShares(np.array(1.0), np.array(0.0), zero, zero)
        top = max(v)
        e = [math.exp(x - top) for x in v]
        total = math.fsum(e)
        it = iter(e)
        within = np.array([next(it) / total if ok else 0.0 for ok in offered])
        iv = mu * (top + math.log(total))
        half = math.tanh((iv - v_sea) / 2.0)  # P(sea) = 1 / (1 + exp(I - V_sea)), stably
        p_rail = 0.5 * (1.0 + half)
        return NestedShares(np.array(0.5 * (1.0 - half)), np.array(p_rail), within,
                            p_rail * within)

    def weights(self, now: float) -> np.ndarray:
        """P(route | rail) as of ``now``."""
        return self.shares(now).within_rail

    def __call__(self, now: float) -> int:
        p = self.shares(now)
        if self.log is not None:
            self.log.append((self.f, now, float(p.sea)))
        # the first route whose cumulative probability exceeds a uniform draw (the last
        # one takes what rounding leaves)
        u, acc = self.rng.random(), 0.0
        routes = self.routes
        for r, w in zip(routes, p.within_rail.tolist()):
            acc += w
            if u < acc:
                return r
        return routes[-1]
