"""Route choice at the origin: a multinomial logit over generalised cost, with expected
transit times learned from recently delivered boxes (no SimPy here)."""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.scenario.schema import RouteChoice, Scenario


def logit_probabilities(utilities: np.ndarray) -> np.ndarray:
    """exp(V_i) / sum_j exp(V_j), computed stably."""
    v = np.asarray(utilities, float)
    e = np.exp(v - v.max())
    return e / e.sum()


def utility(rc: RouteChoice, constant: float, transit_days: float, tariff_usd_per_feu: float,
            unreliability_days: float) -> float:
    return (constant + rc.time_per_day * transit_days
            + rc.tariff_per_kusd * tariff_usd_per_feu / 1000.0
            + rc.unreliability_per_day * unreliability_days)


class Learner:
    """Transit times of one flow's boxes by route, over a sliding window of deliveries."""

    def __init__(self, scenario: Scenario, route_ids: list[str]):
        rc = scenario.route_choice
        self.window_h = rc.window_days * 24.0
        self.min_obs = rc.min_observations
        self.prior = {r: (scenario.routes[rid].prior_transit_days or 0.0,
                          scenario.routes[rid].prior_unreliability_days)
                      for r, rid in enumerate(route_ids)}
        self._seen: dict[int, deque[tuple[float, np.ndarray]]] = {}

    def observe(self, route: int, t: float, transit_days: np.ndarray) -> None:
        self._seen.setdefault(route, deque()).append((t, transit_days))

    def expected(self, route: int, now: float) -> tuple[float, float]:
        """(expected transit days, p95 - p50 days) for the route, as of ``now``."""
        seen = self._seen.get(route)
        if seen:
            # forget deliveries older than the window, but keep the latest min_obs boxes
            # (a route with no recent delivery is judged by its last ones, not its prior)
            n = sum(len(x) for _, x in seen)
            while seen and seen[0][0] < now - self.window_h and n - len(seen[0][1]) >= \
                    self.min_obs:
                n -= len(seen.popleft()[1])
            if n >= self.min_obs:
                x = np.concatenate([x for _, x in seen])
                p50, p95 = np.percentile(x, [50, 95])
                return float(x.mean()), float(p95 - p50)
        return self.prior[route]
