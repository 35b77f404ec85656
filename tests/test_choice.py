"""Route choice: the logit arithmetic, and shares that follow the learned transit times."""

import datetime as dt
import math

import numpy as np
import pytest

from sim.engine.choice import logit_probabilities, utility
from sim.engine.model import Model
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import RouteChoice

from .conftest import HERE

TWO = HERE / "scenarios" / "toy_two_routes.toml"


def test_logit_arithmetic():
    p = logit_probabilities(np.array([0.0, -1.0, -2.0]))
    e = np.exp([0.0, -1.0, -2.0])
    assert p == pytest.approx(e / e.sum())
    assert logit_probabilities(np.array([1000.0, 0.0])) == pytest.approx([1.0, 0.0])
    rc = RouteChoice(model="logit", time_per_day=-0.3, tariff_per_kusd=-0.5,
                     unreliability_per_day=-0.2)
    assert utility(rc, 0.4, 10, 3000, 2) == pytest.approx(0.4 - 3.0 - 1.5 - 0.4)


def _shares(extra, seed=3, after_h=None):
    out = Model(load_scenario(TWO, overrides=extra), seed=seed).run()
    ot = np.array(out.origin_trains)
    t0 = out.calendar.start_h if after_h is None else after_h
    return ot[ot[:, 2] >= t0], out


def test_equal_routes_share_equally_and_a_slower_one_loses_what_the_logit_predicts():
    same, _ = _shares({})
    n = len(same)
    p_main = (same[:, 1] == 0).mean()
    assert abs(p_main - 0.5) < 3 * math.sqrt(0.25 / n)
    # alt one day slower (1000 km more at 1000 km/day), time_per_day = -1
    slow, _ = _shares({"links.gate2_omega.length_km": 5000})
    p_main = (slow[:, 1] == 0).mean()
    predicted = 1 / (1 + math.exp(-1.0))
    assert abs(p_main - predicted) < 3 * math.sqrt(predicted * (1 - predicted) / len(slow))


def test_a_closed_route_sheds_traffic_once_its_delays_are_seen():
    closed = [{"date": "2024-02-01", "close": "gate2_omega", "days": 15}]
    before, out = _shares({"timeline": closed})
    h = out.calendar.hours
    ot = np.array(out.origin_trains)
    window = (ot[:, 2] >= h(dt.date(2024, 2, 20))) & (ot[:, 2] < h(dt.date(2024, 3, 10)))
    early = (ot[:, 2] >= h(dt.date(2024, 1, 1))) & (ot[:, 2] < h(dt.date(2024, 2, 1)))
    alt_after = (ot[window, 1] == 1).mean()
    alt_before = (ot[early, 1] == 1).mean()
    assert alt_before > 0.4
    assert alt_after < alt_before - 0.2


def test_logit_needs_priors_and_known_constants():
    with pytest.raises(ConfigError) as e:
        load_scenario(TWO, overrides={"routes.alt.prior_transit_days": None,
                                      "route_choice.constants": {"mian": 0.5}})
    assert str(e.value).splitlines() == [
        "error: overrides: route_choice.constants.mian: unknown route 'mian' (did you mean "
        "'main'?)",
        "error: overrides: routes.alt.prior_transit_days: logit "
        "route choice needs an expected transit time before any journey is seen (days, > 0)"]


def test_the_learners_window_keeps_the_statistics_of_its_deliveries():
    """The window's statistics (its values end to end, partitioned about the percentiles'
    places; a running sum; the entries' longest runs) equal those computed afresh, ties
    and all."""
    from collections import deque

    from sim.engine.choice import _Window
    rng = np.random.default_rng(3)
    w, ref = _Window(), deque()
    for step in range(1500):
        if ref and rng.random() < 0.45:
            w.drop_oldest()
            ref.popleft()
        else:
            v = np.round(rng.gamma(3, 5, int(rng.integers(1, 60))), 1)  # many ties
            if rng.random() < 0.3:
                v[:] = v[0]  # a block train's boxes: all alike
            run = float(rng.gamma(3, 5))
            w.add(float(step // 3), v, run)
            ref.append((v, run))
        if ref:
            x = np.concatenate([a for a, _ in ref])
            p50, p95 = np.percentile(x, [50, 95])
            mean, spread, longest = w.stats()
            assert mean == pytest.approx(x.mean(), rel=1e-12)
            assert spread == float(p95 - p50)
            assert longest == max(r for _, r in ref)


def test_the_window_forgets_old_deliveries_at_once_as_one_at_a_time():
    """Dropping every entry before an hour while enough boxes are left leaves the window
    (its statistics, running sum and longest run) of dropping the oldest in turn."""
    from sim.engine.choice import _Window
    rng = np.random.default_rng(4)
    a, b = _Window(), _Window()
    for step in range(600):
        v = np.round(rng.gamma(3, 5, int(rng.integers(1, 40))), 1)
        run = float(rng.gamma(3, 5))
        a.add(float(step), v, run)
        b.add(float(step), v, run)
        if step % 7 == 6:
            start, keep = float(step - rng.integers(0, 30)), int(rng.integers(1, 200))
            went = a.drop_before(start, keep)
            n0 = len(b)
            while b.entries and b.entries[0][0] < start and len(b) - b.entries[0][1] >= keep:
                b.drop_oldest()
            assert went == (len(b) < n0)
            assert (len(a), a.lo, a.total, a.dropped) == (len(b), b.lo, b.total, b.dropped)
            assert a.stats() == b.stats()


NESTED_TWO = HERE / "scenarios" / "toy_nested_two.toml"


def test_the_daily_feed_gives_each_midnight_the_window_of_every_delivery_before_it():
    """Folding a day's deliveries as one entry dated at its midnight gives, at every later
    midnight, the statistics of keeping each delivery with its own hour."""
    from sim.engine.choice import DeliveryFeed, Learner
    s = load_scenario(NESTED_TWO, overrides={"route_choice.min_observations": 1,
                                             "route_choice.window_days": 3})
    m = Model(s, seed=5)
    m.run()
    st, f = m.store, 0
    deliveries = sorted(zip(m._delivered_at, range(len(m._delivered_at))))
    feed_learner = Learner(s, m.route_ids)
    feed = DeliveryFeed(st, {f: feed_learner})
    feed_learner.feed = feed
    ref = Learner(s, m.route_ids)
    for _t, k in deliveries:
        feed.add(m._delivered_at[k], m._delivered_rows[k])
    pos, compared = 0, 0
    for day in range(5, int(m.cal.end_h // 24)):
        h = 24.0 * day
        while pos < len(deliveries) and deliveries[pos][0] < h:  # each with its own hour
            t, k = deliveries[pos]
            rows = m._delivered_rows[k]
            for r in set(st.route[rows].tolist()):
                g = rows[st.route[rows] == r]
                ref.observe(r, t, (t - st.t_created[g]) / 24.0,
                            float(np.max((t - st.t_depart_origin[g]) / 24.0)))
            pos += 1
        if day % 4:
            continue  # the feed may be read days apart: it still folds day by day
        feed.until(h)
        for r in {int(x) for x in st.route[:st.n]}:
            seen = ref._seen.get(r)
            if seen is None or seen.entries[-1][0] < h - 3 * 24.0:
                continue  # idle: the priors (and the min-boxes rule) hold either way
            assert feed_learner._learned(r, h) == pytest.approx(ref._learned(r, h),
                                                                 rel=1e-12)
            compared += 1
    assert compared > 30


def test_the_day_s_choice_is_the_closed_form_nested_logit_once_a_day():
    """NestedChoice's shares (plain floats, cached for the day) equal nested_shares over
    the utilities of what the learner knew at the day's midnight, with and without a
    route refused."""
    from sim.engine.routing import NestedChoice
    from sim.scenario.leg_costs import route_cost_usd_per_feu
    from sim.scenario.nested_logit import nested_shares, utilities
    s = load_scenario(NESTED_TWO)
    m = Model(s, seed=1)
    known = {0: (9.0, 1.5), 1: (6.5, 0.5)}
    asked = []

    class Known:
        feed = None

        def expected(self, r, h):
            asked.append(h)
            return known[r]
    routes = [m.route_ids.index(r) for r in s.demand.flows["west"].routes]
    known = {routes[0]: (9.0, 1.5), routes[1]: (6.5, 0.5)}
    choice = NestedChoice(s, m.cal, m.route_ids, Known(), routes, 0,
                          np.random.default_rng(0), None, 0.7)
    rc = s.route_choice
    year = (m.cal.t0 + dt.timedelta(days=40)).year
    cost = [route_cost_usd_per_feu(s, "west", m.route_ids[r], year) for r in routes]
    v_rail = utilities([0.0, 0.0], [known[r][0] for r in routes], cost,
                       [known[r][1] for r in routes], rc.tariff_per_kusd,
                       rc.value_of_time_usd_per_teu_day, rc.unreliability_per_day)
    rate = s.sea_mode.rates[0]
    v_sea = utilities(0.7, rate.door_to_door_days, rate.usd_per_feu,
                      s.sea_mode.unreliability_days, rc.tariff_per_kusd,
                      rc.value_of_time_usd_per_teu_day, rc.unreliability_per_day)
    for mask in (None, np.array([True, False]), np.array([False, True])):
        v = v_rail if mask is None else np.where(mask, v_rail, -np.inf)
        want = nested_shares(v, v_sea, rc.nest_scale)
        got = choice.shares(24.0 * 40 + 7.5, mask)
        assert float(got.rail) == pytest.approx(float(want.rail), rel=1e-12)
        np.testing.assert_allclose(got.within_rail, want.within_rail, rtol=1e-12)
    assert set(asked) == {24.0 * 40}  # read as of the day's midnight
    n = len(asked)
    assert choice.shares(24.0 * 40 + 20.0) is choice.shares(24.0 * 40 + 1.0)  # cached
    assert len(asked) == n
    choice.shares(24.0 * 41)  # a new day: read again
    assert len(asked) == n + 2 and asked[-1] == 24.0 * 41


class _Store:
    """The record-store columns a DeliveryFeed reads, for hand-made deliveries."""

    def __init__(self, flow, route, created_h, departed_h):
        self.flow, self.route = np.array(flow), np.array(route)
        self.t_created, self.t_depart_origin = np.array(created_h, float), \
            np.array(departed_h, float)


def _learners(overrides):
    from sim.engine.choice import DeliveryFeed, Learner
    s = load_scenario(NESTED_TWO, overrides=overrides)
    ids = Model(s, seed=1).route_ids
    return s, ids, Learner, DeliveryFeed


def test_the_feed_keeps_the_latest_trains_of_a_stalled_route_as_deliveries_would():
    """Window 2 days, at least 3 boxes: a 2-box train delivered at 02:00 after 20 days and
    a 3-box train at 20:00 after 10 days, another train still under way; read four
    midnights later, the window keeps the latest 3 boxes (the later train), as an event at
    each delivery would have: mean 10 days, no spread, the longest run 12 days."""
    s, ids, Learner, DeliveryFeed = _learners({"route_choice.window_days": 2,
                                               "route_choice.min_observations": 3})
    r = ids.index("main")
    day = 24.0 * 100
    store = _Store([0] * 5 + [1], [r] * 6,
                   [day + 2 - 480] * 2 + [day + 20 - 240] * 3 + [0.0],
                   [day + 2 - 300] * 2 + [day + 20 - 288] * 3 + [0.0])
    fed = Learner(s, ids)
    feed = DeliveryFeed(store, {0: fed})  # flow 1 does not learn: its box is skipped
    fed.feed = feed
    fed.departed(r, day - 300, 2)
    fed.departed(r, day - 288, 3)
    fed.departed(r, day - 100, 4)  # still under way
    feed.add(day + 2, np.array([0, 1, 5]))
    feed.add(day + 20, np.array([2, 3, 4]))
    now = day + 4 * 24.0
    feed.until(now)
    assert fed._learned(r, now) == pytest.approx((10.0, 0.0, 12.0))
    assert fed.stalled_days(r, now) == pytest.approx((now - day + 100) / 24.0)


def test_a_train_leaving_after_midnight_does_not_change_the_day_s_reading():
    s, ids, Learner, DeliveryFeed = _learners({"route_choice.window_days": 2,
                                               "route_choice.min_observations": 1})
    r = ids.index("main")
    learner = Learner(s, ids)
    learner.departed(r, 0.0, 40)
    learner.observe(r, 24.0 * 9, np.full(40, 15.0), 9.0)  # then idle for days
    midnight = 24.0 * 20
    before = learner.as_of_quote(r, midnight + 1.0)
    learner.departed(r, midnight + 2.0, 40)  # a train leaves during the day
    assert learner.as_of_quote(r, midnight + 3.0) == before  # read as of its midnight
    assert learner.as_of_quote(r, midnight + 24.0 * 30) != before  # under way by then


def test_a_bad_alias_in_a_market_scenario_is_one_line_not_a_crash():
    with pytest.raises(ConfigError, match=r"route_choice.constants.west:alt: 'west:mian' "
                       r"names no constant"):
        load_scenario(NESTED_TWO, overrides={"route_choice.constants": {
            "west:main": 0.3, "west:alt": "west:mian"}})


def test_a_weekly_quote_holds_the_choice_from_its_midnight_until_the_next():
    """requote_days 7: the shares asked on any day of a period are those of the period's
    first midnight (what was learned then, the sea's rate then), computed once; the next
    period reads again, at its own first midnight."""
    from sim.engine.routing import NestedChoice
    s = load_scenario(NESTED_TWO, overrides={"route_choice.requote_days": 7})
    m = Model(s, seed=1)
    asked = []

    class Known:
        feed = None

        def expected(self, r, h):
            asked.append(h)
            return (9.0, 1.5) if r == routes[0] else (6.5, 0.5)
    routes = [m.route_ids.index(r) for r in s.demand.flows["west"].routes]
    choice = NestedChoice(s, m.cal, m.route_ids, Known(), routes, 0,
                          np.random.default_rng(0), None, 0.7)
    week = 24.0 * 7
    first = choice.shares(week * 5 + 24.0 * 3 + 6.0)  # Thursday of the sixth week
    assert asked == [week * 5] * 2  # both routes, as of the period's first midnight
    assert choice.shares(week * 6 - 1.0) is first  # the period's last hour: the same
    assert choice.shares(week * 5) is first
    assert len(asked) == 2
    choice.shares(week * 6 + 30.0)  # the next period
    assert asked[2:] == [week * 6] * 2


def test_a_weekly_quote_learns_nothing_delivered_after_its_midnight():
    """A learner re-quoting weekly reads, all week, the deliveries before the week's first
    midnight and the trains under way then; a delivery during the week counts from the
    next (daily re-quotes see it the next day)."""
    from sim.engine.choice import DeliveryFeed, Learner
    for days, seen_day_after in ((7, False), (1, True)):
        s = load_scenario(NESTED_TWO, overrides={"route_choice.requote_days": days,
                                                 "route_choice.min_observations": 1})
        ids = Model(s, seed=1).route_ids
        r = ids.index("main")
        store = _Store([0] * 4, [r] * 4, [0.0, 0.0, 24.0 * 8, 24.0 * 8],
                       [0.0, 0.0, 24.0 * 8, 24.0 * 8])
        learner = Learner(s, ids)
        feed = DeliveryFeed(store, {0: learner})
        learner.feed = feed
        learner.departed(r, 0.0, 2)
        learner.departed(r, 24.0 * 8, 2)
        feed.add(24.0 * 10, np.array([0, 1]))  # 10 days after leaving
        feed.add(24.0 * 15 + 5.0, np.array([2, 3]))  # day 15, in the third period: 7.2 days
        week2 = learner.as_of_quote(r, 24.0 * 14 + 1.0)
        assert week2[0] == pytest.approx(10.0)
        later = learner.as_of_quote(r, 24.0 * 16 + 1.0)  # the day after the delivery
        assert (later != week2) is seen_day_after
        assert learner.as_of_quote(r, 24.0 * 21 + 1.0)[0] == pytest.approx(
            (2 * 10.0 + 2 * (7.0 + 5.0 / 24.0)) / 4)


def test_a_weekly_quote_holds_the_sea_s_rate_and_the_year_s_costs_of_its_midnight():
    """requote_days 7 (periods from hour 0, the warm-up's first midnight, 2023-12-02): the
    week of days 28-34 straddles 1 January and the week of days 35-41 a change of the sea's
    rate on day 37; a choice asked late in either week gets the shares of the week's first
    midnight (2023's costs, the old rate), a daily one those of its own day."""
    from sim.engine.routing import NestedChoice
    over = {"costs.crossings.gate2.usd_per_feu_by_year": {2024: 500},  # alt = main in 2024
            "sea_mode.rates": [
                {"date": dt.date(2023, 1, 1), "door_to_door_days": 35, "usd_per_feu": 2000},
                {"date": dt.date(2024, 1, 8), "door_to_door_days": 35, "usd_per_feu": 500}]}

    class Known:
        feed = None

        def expected(self, r, h):
            return 8.0, 0.0

    def choice(days):
        s = load_scenario(NESTED_TWO, overrides={**over, "route_choice.requote_days": days})
        m = Model(s, seed=1)
        assert m.cal.t0 + dt.timedelta(days=30) == dt.date(2024, 1, 1)
        routes = [m.route_ids.index(r) for r in s.demand.flows["west"].routes]
        return NestedChoice(s, m.cal, m.route_ids, Known(), routes, 0,
                            np.random.default_rng(0), None, 0.7)
    for late, start in ((24.0 * 33 + 5.0, 24.0 * 28), (24.0 * 40 + 5.0, 24.0 * 35)):
        weekly, of_start, daily = choice(7).shares(late), choice(1).shares(start), \
            choice(1).shares(late)
        assert float(weekly.rail) == float(of_start.rail)
        assert list(weekly.within_rail) == list(of_start.within_rail)
        assert (float(daily.rail), list(daily.within_rail)) != \
            (float(weekly.rail), list(weekly.within_rail))


def test_a_route_opening_mid_week_is_offered_from_its_hour():
    """requote_days 7: which routes exist is read when asked, not at the week's midnight
    (toy_nested_opening: alt opens on day 121 of the run, the third day of its week)."""
    from sim.engine.choice import Learner
    from sim.engine.routing import NestedChoice
    from sim.scenario.mode_split import sea_constant
    from sim.scenario.nested_logit import nested_shares
    s = load_scenario(HERE / "scenarios" / "toy_nested_opening.toml",
                      overrides={"route_choice.requote_days": 7})
    m = Model(s, seed=1)
    opens = m.cal.hours(dt.date(2024, 4, 1))
    assert opens % (24.0 * 7) == 48.0
    routes = [m.route_ids.index(r) for r in ("main", "alt")]
    choice = NestedChoice(s, m.cal, m.route_ids, Learner(s, m.route_ids), routes, 0,
                          np.random.default_rng(0), None, sea_constant(s))
    before, after = choice.shares(opens - 1.0), choice.shares(opens)
    assert list(before.within_rail) == [1.0, 0.0]
    assert after.within_rail[1] > 0.2
    alone = nested_shares(np.array([-2.45]), -1.875, 0.5)  # the toy's V_alt, V_sea, mu
    assert float(choice.shares(opens + 1.0, np.array([False, True])).rail) == \
        pytest.approx(float(alone.rail))


def test_a_bad_requote_period_is_one_line():
    for bad, why in ((0, "must be >= 1"), (400, "must be <= 366"),
                     ("weekly", "expected a whole number")):
        with pytest.raises(ConfigError, match=r"^[^\n]*route_choice\.requote_days: "
                           + why + r"[^\n]*$"):
            load_scenario(NESTED_TWO, overrides={"route_choice.requote_days": bad})
