"""The search: which candidates to evaluate next, given every evaluation so far.

Optuna's TPE sampler (Tree-structured Parzen Estimator; Watanabe 2023, "Tree-structured
Parzen Estimator: understanding its algorithm components") proposes them. It was chosen
over scipy's integer-capable methods (``milp`` needs a model in closed form;
``differential_evolution`` with ``integrality`` spends hundreds of evaluations, each a
simulation here) because it models noisy, constrained, integer and categorical
decisions from a few dozen evaluations, proposes a batch at a time, traces a front of two
objectives (MOTPE), and its whole state is the list of trials — so it can be rebuilt
exactly from the stored table. NSGA-II was left out: it needs generations of a
population, far more evaluations than a simulation study can afford.

Every round builds a fresh in-memory study: the completed candidates are added in the
order they were proposed (their objective values and constraint violations, from the
table), the sampler is seeded by (spec seed, round), and the round's candidates are
asked for. A killed optimisation therefore proposes, on resume, exactly what it would
have proposed without the kill. A proposal equal to a candidate already evaluated is
set aside (its result is in the study already) and the sampler asked again; when the
sampler keeps repeating itself, an unevaluated candidate is drawn uniformly (seeded), so
no candidate is run twice. A candidate whose cost alone exceeds ``max_cost_usd`` is
never proposed, nor one that sets a decision above its first value while the decisions
named in its ``inactive_when`` make it do nothing (:func:`redundant`).

With ``sampler = "cost_order"`` (objective 'cost' only) there is no model of the results:
the candidates are listed and run cheapest first (:func:`cheapest`), a batch at a time,
and the search stops after the first batch that holds a candidate meeting every
constraint on its mean. Cost is known without a run, so that candidate is the cheapest
that meets them and every cheaper one was run and fell short — an answer TPE cannot
certify, bought with as many runs as there are cheaper candidates; for spaces of a few
hundred bundles or fewer.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from typing import TYPE_CHECKING

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from sim.study.optimize.evaluate import Evaluation, ranked, sampler_values, violations

if TYPE_CHECKING:
    from sim.study.optimize.spec import Optimization

ASKS_PER_CANDIDATE = 20


def distributions(opt: Optimization) -> dict[str, BaseDistribution]:
    """Optuna's distribution of every decision: whole numbers by step, or the index of an
    option (categorical)."""
    out: dict[str, BaseDistribution] = {}
    for d in opt.spec.decisions:
        if d.integer:
            assert d.low is not None and d.high is not None
            out[d.label] = IntDistribution(d.low, d.high, step=d.step)
        else:
            out[d.label] = CategoricalDistribution(list(range(d.size())))
    return out


def to_params(opt: Optimization, choice: list[int]) -> dict:
    return {d.label: (d.values()[k] if d.integer else k)
            for d, k in zip(opt.spec.decisions, choice)}


def to_choice(opt: Optimization, params: dict) -> list[int]:
    return [d.values().index(params[d.label]) if d.integer else int(params[d.label])
            for d in opt.spec.decisions]


def _sampler(opt: Optimization, round_no: int) -> optuna.samplers.BaseSampler:
    seed = (opt.spec.seed * 1_000_003 + round_no) % 2**32
    if opt.spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=opt.spec.startup_trials(),
                                      multivariate=True, constant_liar=True)


def study_of(opt: Optimization, history: list[Evaluation], round_no: int) -> optuna.Study:
    """A fresh study holding ``history`` (the search evaluations, in order)."""
    optuna.logging.set_verbosity(logging.WARNING)
    directions = [optuna.study.StudyDirection.MINIMIZE] * (2 if opt.spec.mode == "pareto"
                                                           else 1)
    study = optuna.create_study(directions=directions, sampler=_sampler(opt, round_no))
    dists = distributions(opt)
    for ev in history:
        params = to_params(opt, ev.choice)
        if ev.ok:
            study.add_trial(create_trial(params=params, distributions=dists,
                                         values=sampler_values(opt, ev),
                                         constraints=violations(opt, ev)))
        else:
            study.add_trial(create_trial(state=TrialState.FAIL, params=params,
                                         distributions=dists))
    return study


def cheapest(opt: Optimization, taken: set[tuple[int, ...]], n: int) -> list[list[int]]:
    """The sampler 'cost_order': the ``n`` cheapest admissible candidates not in ``taken``
    (ties in the order of the grid). Run in this order, the first candidate that meets the
    constraints is the cheapest that does: every cheaper one was run and fell short."""
    sizes = [d.size() for d in opt.spec.decisions]
    pool = [list(c) for c in itertools.product(*(range(k) for k in sizes))
            if c not in taken]
    pool = [c for c in pool if admissible(opt, c)]
    pool.sort(key=lambda c: (opt.cost_usd(c), c))
    return pool[:n]


def propose(opt: Optimization, history: list[Evaluation], round_no: int, n: int,
            taken: set[tuple[int, ...]]) -> list[list[int]]:
    """Up to ``n`` new candidates (value indices), none in ``taken`` (every candidate
    proposed so far); fewer only when the decisions allow no more.

    In mode 'minimise', once a feasible candidate is known and the sampler is past its
    random start, half of each batch (every other round for a batch of one) goes to the
    candidates near the incumbent (:func:`near`) — when the objective is cost, only
    those cheaper than it, the dearest first: TPE explores, these moves step down along
    the constraint's edge, where integer optima of cost lie and where TPE's density
    model is blind to the grid."""
    if opt.spec.sampler == "cost_order":
        return cheapest(opt, taken, n)
    new: list[list[int]] = []
    taken = set(taken)
    best = ranked(opt, history)
    if (opt.spec.mode == "minimise" and best and opt.spec.sampler == "tpe"
            and len(history) >= opt.spec.startup_trials()):
        k = n // 2 if n > 1 else round_no % 2
        for choice in near(opt, best[0], taken, k):
            taken.add(tuple(choice))
            new.append(choice)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # Optuna's experimental-feature warnings
        study = study_of(opt, history, round_no)
        dists = distributions(opt)
        asks = 0
        while len(new) < n and asks < ASKS_PER_CANDIDATE * n:
            asks += 1
            trial = study.ask(dists)
            choice = to_choice(opt, trial.params)
            key = tuple(choice)
            if not admissible(opt, choice):   # over the cost cap, or redundant: never run
                study.tell(trial, state=TrialState.FAIL)
            elif key not in taken:
                taken.add(key)
                new.append(choice)      # left running: the constant liar spreads the batch
            else:                       # a repeat: its result is in the study already
                study.tell(trial, state=TrialState.FAIL)
    rng = np.random.default_rng([opt.spec.seed, round_no, 7])
    while len(new) < n:
        drawn = _unseen(opt, taken, rng)
        if drawn is None:
            break
        taken.add(tuple(drawn))
        new.append(drawn)
    return new


def near(opt: Optimization, incumbent: Evaluation, taken: set[tuple[int, ...]], k: int
         ) -> list[list[int]]:
    """Up to ``k`` unevaluated candidates near ``incumbent``.

    For a cost objective: first the incumbent with one decision a step lower (do we need
    that unit?), the largest saving first; then the cheaper candidates within a few index
    steps (3 in every decision, fewer when there are many decisions), the dearest first
    (the smallest saving is the likeliest to stay feasible), then the nearest (index steps
    summed). For another objective: the nearest first. Ties in the order of the grid."""
    if k <= 0:
        return []
    sizes = [d.size() for d in opt.spec.decisions]
    here = np.array(incumbent.choice)
    by_cost = opt.spec.objective == "cost"
    out: list[list[int]] = []
    if by_cost:
        downs = []
        for j in range(len(sizes)):
            if here[j] > 0:
                choice = [int(x) for x in here]
                choice[j] -= 1
                cost = opt.cost_usd(choice)
                if (tuple(choice) not in taken and cost < incumbent.cost_usd
                        and admissible(opt, choice)):
                    downs.append((cost, choice))
        out = [c for _c, c in sorted(downs)][:k]
    radius = 3 if 7 ** len(sizes) <= 50_000 else 2 if 5 ** len(sizes) <= 200_000 else 1
    lo = np.maximum(here - radius, 0)
    hi = np.minimum(here + radius, np.array(sizes) - 1)
    grid = np.stack(np.meshgrid(*[np.arange(a, b + 1) for a, b in zip(lo, hi)],
                                indexing="ij"), -1).reshape(-1, len(sizes))
    pool = []
    for g in grid:
        choice = [int(x) for x in g]
        if tuple(choice) in taken or choice in out or not admissible(opt, choice):
            continue
        cost = opt.cost_usd(choice)
        if by_cost and cost >= incumbent.cost_usd:
            continue
        pool.append((int(np.abs(g - here).sum()), -cost if by_cost else 0.0, choice))
    pool.sort(key=lambda t: (t[1], t[0], t[2]) if by_cost else t)
    return (out + [c for _d, _c, c in pool])[:k]


def _unseen(opt: Optimization, taken: set[tuple[int, ...]], rng: np.random.Generator
            ) -> list[int] | None:
    """A candidate not in ``taken``, uniformly at random (None: there is none)."""
    sizes = [d.size() for d in opt.spec.decisions]
    space = int(np.prod(sizes, dtype=object))
    if len(taken) >= space:
        return None
    if space <= 200_000:
        free = [i for i in range(space) if tuple(np.unravel_index(i, sizes)) not in taken
                and admissible(opt, [int(k) for k in np.unravel_index(i, sizes)])]
        if not free:
            return None
        i = free[int(rng.integers(len(free)))]
        return [int(k) for k in np.unravel_index(i, sizes)]
    for _draw in range(1_000_000):
        choice = [int(rng.integers(s)) for s in sizes]
        if tuple(choice) not in taken and admissible(opt, choice):
            return choice
    return None


def affordable(opt: Optimization, choice: list[int]) -> bool:
    """Whether a candidate's cost is within ``max_cost_usd`` (known without a run: a
    candidate over it is never proposed)."""
    cap = opt.spec.max_cost_usd
    return cap is None or opt.cost_usd(choice) <= cap


def redundant(opt: Optimization, choice: list[int]) -> bool:
    """Whether a candidate sets a decision above its first value while the decisions it
    depends on (its ``inactive_when``) make it do nothing: it would cost more than the
    same candidate with that decision at its first value, for the same result."""
    decisions = opt.spec.decisions
    names = [d.label for d in decisions]
    for d, k in zip(decisions, choice):
        if k and d.inactive_when and all(
                decisions[names.index(other)].values()[choice[names.index(other)]] == value
                for other, value in d.inactive_when.items()):
            return True
    return False


def redundant_choices(opt: Optimization) -> list[list[int]]:
    """Every :func:`redundant` candidate (none when no decision has an ``inactive_when``,
    or when the space is too large to list)."""
    sizes = [d.size() for d in opt.spec.decisions]
    if not any(d.inactive_when for d in opt.spec.decisions) or math.prod(sizes) > 200_000:
        return []
    return [list(c) for c in itertools.product(*(range(k) for k in sizes))
            if redundant(opt, list(c))]


def redundant_count(opt: Optimization) -> int:
    """How many candidates are :func:`redundant`."""
    return len(redundant_choices(opt))


def admissible(opt: Optimization, choice: list[int]) -> bool:
    """Whether a candidate may be proposed: within the cost cap and not redundant."""
    return affordable(opt, choice) and not redundant(opt, choice)


__all__ = ["distributions", "to_params", "to_choice", "study_of", "propose", "near",
           "cheapest", "affordable", "redundant", "redundant_choices", "redundant_count",
           "admissible"]
