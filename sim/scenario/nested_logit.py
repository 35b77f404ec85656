"""The nested logit of rail against the sea: pure, vectorised arithmetic (no SimPy).

Two branches: the sea (one alternative) and a rail nest holding the flow's rail routes.
Each alternative's utility is linear in its generalised cost::

    V = ASC + beta_cost * cost_kusd + beta_time * days + beta_unrel * unreliability_days

with ``cost_kusd`` the all-in cost per FEU in thousands of USD (rail: the ``[costs]``
table, :func:`sim.scenario.leg_costs.route_cost_usd_per_feu`; sea: ``[sea_mode]``) and
``days`` the door-to-door time. The generalised cost in USD per FEU is
``cost + VoT * 2 TEU * days`` for a value of time VoT in USD per TEU-day, so the time
coefficient is not free but ``beta_time = beta_cost * VoT * 2 / 1000`` per day
(:func:`beta_time_per_day`): ``route_choice.time_per_day`` is not used by the nested
logit.

With nest scale ``mu`` in (0, 1] the rail nest's inclusive value is
``I = mu * log(sum_r exp(V_r / mu))`` and

* ``P(route | rail) = exp(V_r / mu) / sum_s exp(V_s / mu)``,
* ``P(rail) = exp(I) / (exp(I) + exp(V_sea))``, ``P(sea) = 1 - P(rail)``,
* ``P(route) = P(rail) * P(route | rail)``.

``mu = 1`` is the multinomial logit over the rail routes and the sea; as ``mu -> 0`` the
rail routes are perfect substitutes (two identical routes take the sea's share of one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEU_PER_FEU = 2.0


@dataclass(frozen=True)
class NestedShares:
    """Choice probabilities; leading axes are those of the utilities given."""

    sea: np.ndarray  # P(sea), shape (...)
    rail: np.ndarray  # P(rail) = 1 - P(sea), shape (...)
    within_rail: np.ndarray  # P(route | rail), shape (..., routes)
    route: np.ndarray  # P(route) = P(rail) * P(route | rail), shape (..., routes)


def beta_time_per_day(beta_cost_per_kusd: float, vot_usd_per_teu_day: float) -> float:
    """The time coefficient implied by the cost coefficient and the value of time:
    a day costs VoT x 2 TEU USD per FEU, i.e. VoT x 2 / 1,000 thousand USD."""
    return beta_cost_per_kusd * vot_usd_per_teu_day * TEU_PER_FEU / 1000.0


def utilities(constant: np.ndarray | float, days: np.ndarray | float,
              cost_usd_per_feu: np.ndarray | float, unreliability_days: np.ndarray | float,
              beta_cost_per_kusd: float, vot_usd_per_teu_day: float,
              beta_unreliability_per_day: float) -> np.ndarray:
    """V = ASC + beta_cost * (generalised cost in kUSD per FEU) + beta_unrel * unrel.,
    elementwise (broadcast)."""
    gen_cost_usd = (np.asarray(cost_usd_per_feu, float)
                    + vot_usd_per_teu_day * TEU_PER_FEU * np.asarray(days, float))
    return (np.asarray(constant, float) + beta_cost_per_kusd * gen_cost_usd / 1000.0
            + beta_unreliability_per_day * np.asarray(unreliability_days, float))


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = x.max(axis=-1)
    return m + np.log(np.exp(x - m[..., None]).sum(axis=-1))


def inclusive_value(v_rail: np.ndarray, mu: float) -> np.ndarray:
    """The rail nest's inclusive value mu * log(sum_r exp(V_r / mu)), over the last axis."""
    return mu * _logsumexp(np.asarray(v_rail, float) / mu)


def nested_shares(v_rail: np.ndarray, v_sea: np.ndarray | float, mu: float
                  ) -> NestedShares:
    """Probabilities of the sea, of rail, of each rail route within rail and overall.

    Parameters
    ----------
    v_rail : array (..., routes)
        Utilities of the rail routes (last axis); ``-inf`` for a route not offered.
    v_sea : array (...) or float
        Utility of the sea.
    mu : float
        The rail nest's scale, 0 < mu <= 1.
    """
    if not 0 < mu <= 1:
        raise ValueError(f"nest scale {mu} outside (0, 1]")
    vr = np.asarray(v_rail, float) / mu
    m = vr.max(axis=-1, keepdims=True)
    e = np.exp(vr - m)
    within = e / e.sum(axis=-1, keepdims=True)
    iv = mu * (m[..., 0] + np.log(e.sum(axis=-1)))
    vs = np.broadcast_to(np.asarray(v_sea, float), iv.shape)
    # P(sea) = 1 / (1 + exp(I - V_sea)), stably for any difference
    half = np.tanh((iv - vs) / 2.0)
    p_sea, p_rail = 0.5 * (1.0 - half), 0.5 * (1.0 + half)
    return NestedShares(p_sea, p_rail, within, p_rail[..., None] * within)
