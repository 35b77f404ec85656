"""Dated changes and closures take effect on their dates, and only then."""

import datetime as dt

import numpy as np
import pytest

from sim.engine.logs import InboundTrain, OriginTrain, OutboundTrain, columns
from sim.engine.model import Model
from sim.measure import kpis, location
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError

from .conftest import HERE, TOY, child_writer, expect_errors

BUSY = {"demand.flows.west.containers_per_year": 60_000}


def _run(timeline, **extra):
    s = load_scenario(TOY, overrides={**BUSY, **extra, "timeline": timeline})
    out = Model(s, seed=5).run()
    return out, out.calendar.hours


def _entries(out, lid, direction=0):
    booked = out.lines[lid].log_arrays()
    return np.sort(booked.entered_h[booked.direction == direction])


def test_link_paths_change_on_their_date():
    import datetime as dt
    out, hours = _run([{"date": "2024-02-01", "set": {"links.alpha_gate.train_paths_per_day": 24}}],
                      **{"links.alpha_gate.train_paths_per_day": 2})
    t = _entries(out, "alpha_gate")
    change = hours(dt.date(2024, 2, 1))
    before, after = t[t < change - 12], t[t >= change]
    assert len(before) > 10 and len(after) > 10
    assert np.diff(before).min() >= 12 - 1e-6          # 2 paths a day
    assert np.diff(after).min() < 12                    # 24 paths a day: trains catch up
    assert np.diff(after).min() >= 1 - 1e-6
    K = kpis.compute(out)
    assert K[("utilisation", "2024", "alpha_gate:alpha>gate")] <= 1.0


def test_link_closure_admits_no_train():
    import datetime as dt
    out, hours = _run([{"date": "2024-01-20", "close": "gate_omega", "days": 5}])
    a, b = hours(dt.date(2024, 1, 20)), hours(dt.date(2024, 1, 25))
    t = _entries(out, "gate_omega")
    assert not ((t >= a) & (t < b)).any()
    assert (t >= b).any() and (t < a).any()
    assert np.isclose(t[t >= b].min(), b, atol=1e-6)    # the queue leaves at reopening
    where = location.locate(out)
    assert (np.vstack(list(where.values())).sum(axis=0) == 1).all()


def test_crossing_closure_stops_handling_and_departures():
    import datetime as dt
    out, hours = _run([{"date": "2024-01-20", "close": "gate", "days": 4}])
    a, b = hours(dt.date(2024, 1, 20)), hours(dt.date(2024, 1, 24))
    log = columns(out.crossings["gate"].log, InboundTrain)
    crane_start = log.crane_start_h
    assert not ((crane_start >= a) & (crane_start < b)).any()
    dep = columns(out.crossings["gate"].out_log, OutboundTrain).departed_h
    assert not ((dep >= a) & (dep < b)).any()
    assert (crane_start >= b).any() and (dep >= b).any()
    # trains arrived during the closure and waited for it to end
    arrived_during = (log.arrived_h >= a) & (log.arrived_h < b)
    assert arrived_during.any() and (crane_start[arrived_during] >= b - 1e-9).all()
    K = kpis.compute(out)
    u = K[("utilisation", "2024", "gate")]
    assert 0 < u <= 1


def test_more_cranes_from_a_date():
    import datetime as dt
    out, hours = _run([{"date": "2024-02-01", "set": {"nodes.gate.crossing.cranes": 3}}],
                      **{"nodes.gate.crossing.cranes": 1,
                         "nodes.gate.crossing.crane_moves_per_h": 6})
    change = hours(dt.date(2024, 2, 1))
    log = columns(out.crossings["gate"].log, InboundTrain)
    starts, ends = log.crane_start_h, log.unloaded_h

    def most_at_once(lo, hi):
        m = (starts >= lo) & (ends <= hi)
        events = sorted([(s, 1) for s in starts[m]] + [(e, -1) for e in ends[m]])
        level = peak = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        return peak
    assert most_at_once(0, change) == 1
    assert most_at_once(change, np.inf) == 3


@pytest.mark.parametrize("change, line", [
    ({"date": "2030-01-01", "close": "gate", "days": 2},
     "timeline[0].date: 2030-01-01 is outside the simulated span 2023-12-22 .. 2024-03-01 "
     "(warm-up included, end excluded)"),
    ({"date": "2024-01-10", "close": "gaet", "days": 2},
     "timeline[0].close: unknown facility 'gaet' (did you mean 'gate'?)"),
    ({"date": "2024-01-10", "close": "alpha", "days": 2},
     "timeline[0].close: 'alpha' is a terminal; only border nodes, ports, dry ports and links "
     "can close"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.length_km": 10}},
     "timeline[0].set.links.alpha_gate.length_km: cannot change during a run (these can: "
     "train_paths_per_day)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.train_paths_per_dy": 3}},
     "timeline[0].set.links.alpha_gate.train_paths_per_dy: unknown key (did you mean "
     "'train_paths_per_day'?)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.lenght_km": 10}},
     "timeline[0].set.links.alpha_gate.lenght_km: unknown key (did you mean 'length_km'? "
     "It cannot change during a run; these can: train_paths_per_day)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.zzz": 10}},
     "timeline[0].set.links.alpha_gate.zzz: unknown key (these can change during a run: "
     "train_paths_per_day)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.crossing.cranez": 3}},
     "timeline[0].set.nodes.gate.crossing.cranez: unknown key (did you mean "
     "'crossing.cranes'?)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.crosing.cranes": 3}},
     "timeline[0].set.nodes.gate.crosing.cranes: unknown key (did you mean "
     "'crossing.cranes'?)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.lon": 3}},
     "timeline[0].set.nodes.gate.lon: cannot change during a run (these can: "
     "crossing.handover_standard_gauge_trains_per_day, "
     "crossing.handover_broad_gauge_trains_per_day, crossing.acceptance_limit_teu, "
     "crossing.receiving_tracks, crossing.cranes, crossing.crane_moves_per_h, "
     "crossing.yard_capacity_teu)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.port.berth": 3}},
     "timeline[0].set.nodes.gate.port.berth: 'gate' has no port"),
    ({"date": "2024-01-10", "set": {"nodes.gate.crossing": 3}},
     "timeline[0].set.nodes.gate.crossing: is a table of a node, not a field (the fields "
     "that can change during a run: crossing.handover_standard_gauge_trains_per_day, "
     "crossing.handover_broad_gauge_trains_per_day, crossing.acceptance_limit_teu, "
     "crossing.receiving_tracks, crossing.cranes, crossing.crane_moves_per_h, "
     "crossing.yard_capacity_teu)"),
    ({"date": "2024-01-10", "set": {"link.alpha_gate.train_paths_per_day": 3}},
     "timeline[0].set.link.alpha_gate.train_paths_per_day: unknown table 'link' (did you "
     "mean 'links'?)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.train_paths_per_day.max": 3}},
     "timeline[0].set.links.alpha_gate.train_paths_per_day.max: 'train_paths_per_day' of a "
     "link is a value, with no field 'max' (write links.ID.train_paths_per_day)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate": 3}},
     "timeline[0].set.links.alpha_gate: names no field (write links.ID.FIELD; these can "
     "change during a run: links.ID.train_paths_per_day)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.crossing.cranes": 2.5}},
     "timeline[0].set.nodes.gate.crossing.cranes: must be a whole number (got 2.5)"),
    ({"date": "2024-01-10", "set": {"nodes.gate.crossing.cranes": 0}},
     "timeline[0].set.nodes.gate.crossing.cranes: must be >= 1 and <= 200 (got 0)"),
    ({"date": "2024-01-10", "close": "gate"},
     "timeline[0]: a closure needs 'days' (its length, > 0)"),
    ({"date": "2024-01-10", "set": {"links.alpha_gate.train_paths_per_day": 3},
      "close": "gate", "days": 1},
     "timeline[0]: a change has exactly one of 'set' (new values), 'close' (a facility id, "
     "with 'days') or 'shares' (new route shares per flow)"),
])
def test_bad_timeline_entries(change, line):
    with pytest.raises(ConfigError) as e:
        load_scenario(TOY, overrides={"timeline": [change]})
    assert str(e.value) == "error: overrides: " + line


def test_a_table_a_timeline_cannot_change_is_named_as_such_not_as_unknown():
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: timeline\[0\]\.set\.demand\."
                       r"scale: cannot change during a run \(allowed: "
                       r"links\.ID\.train_paths_per_day, nodes\.ID\.crossing\."):
        load_scenario(TOY, overrides={"timeline": [{"date": "2024-01-10",
                                                    "set": {"demand.scale": 2}}]})


def test_a_wrong_value_in_a_dated_set_does_not_hide_a_misspelt_path_beside_it(tmp_path,
                                                                             monkeypatch):
    # the value that fails its schema is reported by the schema; the paths beside it are
    # still checked in the same pass, so the user sees every mistake of the entry at once
    child = child_writer(tmp_path, monkeypatch, "toy.toml")
    path = child('[[timeline]]\ndate = 2024-02-01\nset = { "nodes.gate.crossing.cranes" = '
                 '"three", "links.alpha_gate.train_paths_per_dy" = 3, '
                 '"nodes.gaet.crossing.cranes" = 2, "nodes.gate.crossing.cranez" = "x" }\n')
    expect_errors(path, [
        "timeline[0].set.nodes.gate.crossing.cranes: expected a number (got 'three'); write "
        "e.g. set = { \"nodes.gate.crossing.cranes\" = 2 }",
        "timeline[0].set.nodes.gate.crossing.cranez: expected a number (got 'x'); write e.g. "
        "set = { \"nodes.gate.crossing.cranez\" = 4 }",
        "timeline[0].set.links.alpha_gate.train_paths_per_dy: unknown key (did you mean "
        "'train_paths_per_day'?)",
        "timeline[0].set.nodes.gaet.crossing.cranes: unknown node 'gaet' (did you mean "
        "'gate'?)",
        # (the same path as the wrong value's, and said too: the key is misspelt as well)
        "timeline[0].set.nodes.gate.crossing.cranez: unknown key (did you mean "
        "'crossing.cranes'?)"])


def test_overlapping_closures_keep_a_crossing_closed_until_the_last_ends():
    import datetime as dt
    out, hours = _run([{"date": "2024-01-20", "close": "gate", "days": 4},
                       {"date": "2024-01-22", "close": "gate", "days": 4}])
    a, b = hours(dt.date(2024, 1, 20)), hours(dt.date(2024, 1, 26))
    crane_start = columns(out.crossings["gate"].log, InboundTrain).crane_start_h
    assert not ((crane_start >= a) & (crane_start < b)).any()
    assert kpis.compute(out)[("closure_hours", "2024", "gate")] == pytest.approx(6 * 24)


def test_random_closures_follow_their_rate_and_season():
    import datetime as dt

    from sim.engine.facilities.disruptions import closures
    from sim.scenario.schema import Disruption
    d = Disruption.model_validate({
        "kind": "gale", "events_per_year": 20,
        "seasonality": [6, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "duration_h": {"dist": "exponential", "mean": 24}})
    counts, starts, lengths = [], [], []
    for rep in range(200):
        w = closures(d, np.random.default_rng(rep), dt.date(2023, 1, 1), 365)
        counts.append(len(w))
        starts += [a for a, _ in w]
        lengths += [b - a for a, b in w]
    assert np.mean(counts) == pytest.approx(20, rel=0.05)     # Poisson(20): sd of mean 0.32
    assert max(starts) < (31 + 28) * 24                        # only in Jan and Feb
    assert np.mean(lengths) == pytest.approx(24, rel=0.05)


def test_random_link_closures_admit_no_train_and_are_counted():
    out, _ = _run([], **{"links.gate_omega.disruptions": [
        {"kind": "storm", "events_per_year": 60, "duration_h": {"dist": "constant", "value": 30}}]})
    shut = out.lines["gate_omega"].closures
    assert len(shut) > 3
    t = _entries(out, "gate_omega")
    for a, b in shut:
        assert not ((t >= a) & (t < b)).any()
    K = kpis.compute(out)
    from sim.engine.facilities.disruptions import merge
    start, end = out.calendar.start_h, out.calendar.end_h
    expect = sum(max(0.0, min(b, end) - max(a, start)) for a, b in merge(shut))
    assert K[("closure_hours", "2024", "gate_omega")] == pytest.approx(expect)


def test_same_seed_same_disruptions_and_bad_disruptions_rejected():
    gale = {"kind": "gale", "events_per_year": 30,
            "duration_h": {"dist": "lognormal", "mean": 20, "cv": 0.5}}
    a, _ = _run([], **{"nodes.gate.disruptions": [gale]})
    b, _ = _run([], **{"nodes.gate.disruptions": [gale]})
    assert a.crossings["gate"].closures == b.crossings["gate"].closures
    assert len(a.crossings["gate"].closures) >= 2
    with pytest.raises(ConfigError) as e:
        load_scenario(TOY, overrides={"nodes.alpha.disruptions": [gale]})
    assert str(e.value) == ("error: overrides: nodes.alpha.disruptions: only border, port and "
                            "dry_port nodes (and links) can be disrupted (kind is 'terminal')")
    with pytest.raises(ConfigError) as e:
        load_scenario(TOY, overrides={"nodes.gate.disruptions": [
            {**gale, "seasonality": [2] * 12}]})
    assert str(e.value) == ("error: overrides: nodes.gate.disruptions[0].seasonality: monthly "
                            "weights must average 1 (they average 2.0000)")


@pytest.mark.parametrize("paths", [(24, 2), (2, 24)])
@pytest.mark.parametrize("order", ["time", "reverse", "shuffled"])
def test_paths_stay_apart_across_a_headway_change(paths, order):
    """Whatever the booking order, two paths are at least max(their headways) apart."""
    from sim.engine.facilities.rail import RailLine
    from sim.scenario.schema import Link
    link = Link.model_validate({"from": "a", "to": "b", "length_km": 100,
                                "train_paths_per_day": paths[0],
                                "speed_km_per_day": {"dist": "constant", "value": 800}})
    line = RailLine("ab", link, np.random.default_rng(0))
    line.change_paths(100.0, paths[1])
    asks = [90 + 0.7 * i for i in range(30)]
    if order == "reverse":
        asks.reverse()
    elif order == "shuffled":
        np.random.default_rng(1).shuffle(asks)
    got = [line.book(0, t, 0.0) for t in asks]
    h = lambda t: 24 / (paths[0] if t < 100 else paths[1])  # noqa: E731
    for i, a in enumerate(got):
        assert a >= asks[i] - 1e-9
        for b in got[i + 1:]:
            assert abs(a - b) >= max(h(a), h(b)) - 1e-6


def test_crane_utilisation_stays_within_one_through_closures_and_cuts():
    for timeline, extra in (
            ([{"date": "2024-01-20", "close": "gate", "days": 1}], {}),
            ([{"date": "2024-01-20", "set": {"nodes.gate.crossing.cranes": 1}}],
             {"nodes.gate.crossing.cranes": 4})):
        out, _ = _run(timeline, **{"nodes.gate.crossing.crane_moves_per_h": 4, **extra})
        from sim.measure.timeseries import daily
        ts = daily(out)
        u = ts[(ts.facility == "gate") & (ts.metric == "crane_utilisation")]["value"]
        assert u.dropna().max() <= 1 + 1e-9
        assert kpis.compute(out)[("utilisation", "2024", "gate")] <= 1 + 1e-9


def test_route_shares_change_on_their_date():
    # half and half until 1 April, then every train takes 'alt'; before the date the
    # trains draw exactly the routes they draw without the change (common random numbers)
    path = HERE / "scenarios" / "toy_two_routes.toml"
    fixed = {"route_choice.model": "shares"}
    base = Model(load_scenario(path, overrides=fixed)).run()
    out = Model(load_scenario(path, overrides={**fixed, "timeline": [
        {"date": "2024-04-01", "shares": {"west": {"alt": 1.0}}}]})).run()
    t_change = out.calendar.hours(dt.date(2024, 4, 1))
    ot, ob = np.array(out.origin_trains, float), np.array(base.origin_trains, float)
    t, tb = OriginTrain(*ot.T), OriginTrain(*ob.T)  # columns by name
    before = t.departed_h < t_change
    np.testing.assert_array_equal(ot[before], ob[tb.departed_h < t_change])
    alt = out.route_ids.index("alt")
    assert (t.route[~before] == alt).all() and (~before).sum() > 20
    assert 0.3 < (t.route[before] == alt).mean() < 0.7


def test_a_share_change_moves_the_fewest_trains():
    # main/alt 0.5/0.5 -> 0.2/0.8: only trains that were on main move, and only 0.3 of
    # all trains (the total variation between the two share vectors); every train that
    # took alt without the change still takes it
    path = HERE / "scenarios" / "toy_two_routes.toml"
    fixed = {"route_choice.model": "shares", "demand.flows.west.containers_per_year": 146000}
    base = Model(load_scenario(path, overrides=fixed)).run()
    out = Model(load_scenario(path, overrides={**fixed, "timeline": [
        {"date": "2024-02-01", "shares": {"west": {"main": 0.2, "alt": 0.8}}}]})).run()
    t_change = out.calendar.hours(dt.date(2024, 2, 1))
    ot = columns(out.origin_trains, OriginTrain)
    ob = columns(base.origin_trains, OriginTrain)
    after = ot.departed_h >= t_change
    # the same trains, only routes differ
    np.testing.assert_array_equal(ot.departed_h, ob.departed_h)
    alt, main = out.route_ids.index("alt"), out.route_ids.index("main")
    was_alt = ob.route[after] == alt
    assert (ot.route[after][was_alt] == alt).all()
    moved = (ot.route[after] != ob.route[after]).mean()
    assert 0.22 < moved < 0.38, moved
    assert 0.12 < (ot.route[after] == main).mean() < 0.28


@pytest.mark.parametrize("change, line", [
    ({"date": "2024-04-01", "shares": {"wset": {"alt": 1.0}}},
     "timeline[0].shares.wset: unknown flow 'wset' (did you mean 'west'?)"),
    ({"date": "2024-04-01", "shares": {"west": {"atl": 1.0}}},
     "timeline[0].shares.west.atl: unknown route 'atl' (did you mean 'alt'?)"),
    ({"date": "2024-04-01", "shares": {"west": {"alt": 0.5}}},
     "timeline[0].shares.west: route shares must sum to 1 (they sum to 0.5)"),
    ({"date": "2024-04-01", "shares": {"west": {"alt": True}}},
     "timeline[0].shares.west.alt: expected a number (got true); write e.g. alt = 1.5"),
    ({"date": "2024-04-01", "shares": {}},
     "timeline[0].shares: needs at least 1 entry (got 0)"),
    ({"date": "2024-04-01", "shares": {"west": {"alt": 1.0}}, "days": 3},
     "timeline[0]: 'days' belongs to a closure; a 'set' or 'shares' change holds from its "
     "date on (add another change to undo it)"),
])
def test_bad_share_changes(change, line):
    with pytest.raises(ConfigError) as e:
        load_scenario(HERE / "scenarios" / "toy_two_routes.toml",
                      overrides={"timeline": [change], "route_choice.model": "shares"})
    assert str(e.value) == "error: overrides: " + line


def test_share_changes_need_fixed_shares():
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: timeline\[0\]\.shares: route "
                       r"shares can change only with route_choice\.model = 'shares' \(the "
                       r"logit chooses routes by their cost\)\Z"):
        load_scenario(HERE / "scenarios" / "toy_two_routes.toml", overrides={
            "timeline": [{"date": "2024-04-01", "shares": {"west": {"alt": 1.0}}}],
            "route_choice.model": "logit"})


def test_yard_capacity_changes_on_its_date():
    # the gate's yard halves on 1 February; its utilisation is of the capacity in force
    # (time-averaged), and a capacity that cannot take one inbound train is refused
    s = load_scenario(TOY, overrides={"timeline": [
        {"date": "2024-02-01", "set": {"nodes.gate.crossing.yard_capacity_teu": 1000}}]})
    out = Model(s).run()
    xing = out.crossings["gate"]
    assert xing.yard.capacity == 1000
    assert [(round(t, 6), v) for t, v in xing.yard_log] == [
        (0.0, 2000), (round(out.calendar.hours(dt.date(2024, 2, 1)), 6), 1000)]
    K = kpis.compute(out)
    occ = K[("yard_occupancy_teu_mean", "2024", "gate")]
    # 2024 in the toy: January (31 days) at 2,000 TEU, February (29) at 1,000
    mean_cap = (31 * 2000 + 29 * 1000) / 60
    assert K[("yard_utilisation", "2024", "gate")] == pytest.approx(occ / mean_cap)
    with pytest.raises(ConfigError, match=r"\Aerror: overrides: timeline\[0\]\.set\.nodes\."
                       r"gate\.crossing\.yard_capacity_teu: 60 TEU cannot take one "
                       r"inbound load of 40 boxes \(up to 80 TEU\)\Z"):
        load_scenario(TOY, overrides={"timeline": [
            {"date": "2024-02-01", "set": {"nodes.gate.crossing.yard_capacity_teu": 60}}]})
