"""Boxes that choose between rail and the sea (:mod:`sim.scenario.mode_split`).

A market flow's candidate boxes are drawn ahead, ``rail_headroom`` times the flow's
reference rail volume, each with a uniform (:func:`sim.engine.facilities.demand.make_store`).
Every midnight the day's candidates whose uniform falls below

    accept = P_rail(now) / (P_rail_ref * rail_headroom)

become rail boxes (exact thinning: each candidate independently, so Poisson candidates
give rail arrivals that are a Poisson stream at ``market * P_rail``; deterministic ones,
a thinned, no longer deterministic stream); they take the next spare rows of the record
store and queue at the origin, where trains are formed from them by the origin's
departure rule, one day at a time (a departure before the next midnight depends only on
boxes that arrived before it, so forming trains day by day gives the trains forming them
all at once would). The rest went by sea: they never enter the corridor. While some of
the flow's routes refuse trains (acceptance limits), P(rail) is the logit's over the
routes still accepting, and while a train of the flow is held at its origin (no route
accepts it) it is 0: the boxes the refusing routes would have won and the open ones do
not win back go to sea, and are counted as lost. A day whose
``accept`` exceeds 1 (rail above its headroom) takes every candidate and is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.engine.facilities.formation import schedule_departures
from sim.engine.facilities.slots import at
from sim.engine.records import ContainerStore

if TYPE_CHECKING:
    from sim.engine.facilities.demand import Candidates
    from sim.scenario.schema import Departure


class MarketFlow:
    """One flow's daily split of its candidates and the trains formed from its rail boxes.

    Parameters
    ----------
    codes : (flow, origin, destination)
        The store's codes for the flow's boxes.
    p_rail : callable
        P(rail) as of an hour (the flow's nested logit), with every route offered and
        with only the routes accepting trains (:mod:`sim.engine.acceptance`).
    scale : float
        ``1 / (P_rail_ref * rail_headroom)``.
    dispatch : callable
        ``dispatch(hour, rows, teu)`` sends a train of these rows off at that hour (at or
        after now).
    """

    def __init__(self, env: simpy.Environment, store: ContainerStore, codes: tuple[int, int, int],
                 candidates: Candidates, rule: Departure, capacity: int, end_h: float,
                 p_rail: Callable[[float], tuple[float, float]], scale: float,
                 dispatch: Callable[[float, np.ndarray, int], None]):
        self.env, self.store, self.codes, self.c = env, store, codes, candidates
        self.rule, self.capacity, self.end_h = rule, capacity, end_h
        self.p_rail, self.scale, self.dispatch = p_rail, scale, dispatch
        self.pending = np.empty(0, np.int64)  # rows waiting for a train, in arrival order
        self.last_departure_h = 0.0
        self.accepted: list[tuple[float, float, float, int, int, int]] = []  # MarketDay rows
        self._next = 0  # first candidate not yet decided
        at(env, 0.0, self._day)

    def _day(self, _e: object = None) -> None:
        now = self.env.now
        until = min(now + 24.0, self.end_h)
        c, st = self.c, self.store
        p_rail, p_open = self.p_rail(now)
        accept = p_open * self.scale
        i = self._next
        j = self._next = int(np.searchsorted(c.t_h, until, side="left"))
        take = np.flatnonzero(c.u[i:j] < accept) + i
        # refused: boxes rail would have won had every route been accepting
        lost = int(np.count_nonzero(c.u[i:j] < p_rail * self.scale)) - len(take)
        self.accepted.append((now, p_rail, accept, j - i, len(take), lost))
        if len(take):
            f, o, d = self.codes
            rows = st.add(f, o, d, c.size_ft[take], c.t_h[take])
            self.pending = np.concatenate((self.pending, rows)) if len(self.pending) else rows
        if len(self.pending):
            plan = schedule_departures(st.t_created[self.pending], self.rule, self.capacity,
                                       until, from_h=now)
            for t, a, b in plan:
                t = max(t, self.last_departure_h, now)  # never before the previous train
                self.last_departure_h = t
                idx = self.pending[a:b]
                self.dispatch(t, idx, st.teu_of(idx))
            if plan:
                self.pending = self.pending[plan[-1][2]:]
        if until < self.end_h:
            at(self.env, until - now, self._day)
        else:  # every candidate decided: their arrays (tens of MB in a long run) freed
            self.c = c._replace(t_h=c.t_h[:0].copy(), size_ft=c.size_ft[:0].copy(),
                                u=c.u[:0].copy())
