"""The transit time of a period's boxes with those still under way at the end counted by
Kaplan-Meier (``transit_time_days_km``): the estimator by hand, and on the sea trace with
the horizon cut while the second load is at sea; the share of a period's boxes still under
way at its end (``in_transit_at_period_end_share``)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.measure import kpis
from sim.measure.flows import cohort_km_means, km_mean, under_way_at_end

from .test_ports import run


def test_km_mean_without_censoring_is_the_mean():
    assert km_mean(np.array([3.0, 1.0, 2.0]), np.array([True] * 3)) == pytest.approx(2.0)
    assert math.isnan(km_mean(np.array([]), np.array([], bool)))


def test_km_mean_by_hand():
    # 1, 2 (censored), 3, 4: S = 3/4 after 1; 2 leaves the risk set; at 3 two at risk:
    # S = 3/8; at 4 one: S = 0. Area 1 x 1 + 2 x 3/4 + 1 x 3/8 = 2.875 (the delivered
    # mean, 8/3, leaves the censored box out; counting it at 2 would give 2.5)
    days = np.array([4.0, 2.0, 1.0, 3.0])
    event = np.array([True, False, True, True])
    assert km_mean(days, event) == pytest.approx(2.875)
    # the longest censored: a lower bound, S = 1/2 from 1 to 5 -> 1 + 2 = 3
    assert km_mean(np.array([1.0, 5.0]), np.array([True, False])) == pytest.approx(3.0)
    # everything censored: the longest value
    assert km_mean(np.array([1.0, 5.0]), np.array([False, False])) == pytest.approx(5.0)


def test_a_box_censored_when_another_arrives_was_still_at_risk():
    # 2 (event), 2 (censored), 4: at 2 three at risk -> S = 2/3, at 4 one -> 0:
    # 2 + 2 x 2/3 = 3.333 (taking the censored one out first would give 2 + 2 x 1/2 = 3)
    days = np.array([2.0, 2.0, 4.0])
    assert km_mean(days, np.array([True, False, True])) == pytest.approx(2 + 4 / 3)


def test_every_box_delivered_gives_the_delivered_mean():
    out = run()  # the whole trace: both loads delivered, at 80.4 h and 128.4 h
    K = kpis.compute(out)
    c = out.store.t_created[:40]
    want = (80.4 - c[:20].mean() + 128.4 - c[20:].mean()) / 2 / 24
    assert K[("transit_time_days_km", "2024", "middle_corridor")] == pytest.approx(want)
    assert K[("transit_time_days_mean", "2024", "middle_corridor")] == pytest.approx(want)


def test_boxes_still_at_sea_count_by_their_age_and_beyond():
    # the run ends at 120 h with the second load (20 boxes) still under way: the
    # delivered mean is the first load's alone; the cohort's Kaplan-Meier mean counts the
    # 20 others censored at their age at 120 h, so it lies above the mean that counts them
    # at that age, itself above the delivered mean
    out = run(**{"horizon.end": "2024-02-04"})
    K = kpis.compute(out)
    c, d = out.store.t_created[:40], out.store.t_delivered[:40]
    assert np.isnan(d[20:]).all() and out.calendar.end_h == 120.0
    done = ~np.isnan(d)
    days = (np.where(done, d, 120.0) - c) / 24
    got = K[("transit_time_days_km", "2024", "middle_corridor")]
    assert got == pytest.approx(km_mean(days, done))
    delivered = K[("transit_time_days_mean", "2024", "middle_corridor")]
    assert delivered == pytest.approx(((80.4 - c[:20]) / 24).mean())
    assert got > days.mean() + 0.1 > delivered + 0.1
    # asked for by another name only, it is not computed
    assert ("transit_time_days_km", "2024", "middle_corridor") not in kpis.compute(
        out, {"transit_time_days_mean"})


def test_each_period_holds_the_boxes_that_left_their_origin_in_it():
    # period 0-100 h: left at 12, 22 (still under way at 200 h), 32 after arriving at 10,
    # 20, 30; delivered 1 and 2 days after arriving, the other censored at 7.5 days:
    # S = 2/3 after 1, 1/3 after 2, then flat to 7.5: 1 + 2/3 + 5.5 / 3 = 3.5. Period
    # 100-200 h: the box that arrived at 90 and left at 110, 2 days
    st = SimpleNamespace(t_created=np.array([10.0, 20.0, 30.0, 90.0]),
                         t_depart_origin=np.array([12.0, 22.0, 32.0, 110.0]),
                         t_delivered=np.array([34.0, np.nan, 78.0, 138.0]))
    rows = np.arange(4)
    done = ~np.isnan(st.t_delivered)
    got = cohort_km_means(st, rows, done, 200.0, np.array([0.0, 100.0, 200.0]))
    assert got == pytest.approx([3.5, 2.0])
    assert np.isnan(cohort_km_means(st, rows[:1], done[:1], 200.0,
                                    np.array([0.0, 100.0, 200.0]))[1])


def test_the_share_still_under_way_counts_each_period_at_its_own_end():
    # period 0-100 h: left at 12 (delivered at 34), 22 (never), 32 (delivered at 130,
    # after the period's end), 60 (delivered exactly at 100: at the end, so not before
    # it) -> 3 of 4; period 100-200 h: left at 110 (delivered at 138) and 150 (never)
    # -> 1 of 2; a box that never left (NaN) and one that left after the last edge are
    # in no period
    st = SimpleNamespace(t_depart_origin=np.array([12.0, 22.0, 32.0, 60.0, 110.0, 150.0,
                                                   np.nan, 250.0]),
                         t_delivered=np.array([34.0, np.nan, 130.0, 100.0, 138.0, np.nan,
                                               np.nan, 260.0]))
    edges = np.array([0.0, 100.0, 200.0])
    assert under_way_at_end(st, np.arange(8), edges) == pytest.approx([0.75, 0.5])
    # a period none left in: NaN
    assert np.isnan(under_way_at_end(st, np.arange(1), edges)[1])


def test_the_share_on_the_sea_trace_is_the_load_still_at_sea():
    out = run(**{"horizon.end": "2024-02-04"})  # the second load of 20 still at sea
    K = kpis.compute(out)
    assert K[("in_transit_at_period_end_share", "2024", "middle_corridor")] == pytest.approx(
        0.5)
    K = kpis.compute(run())  # both loads delivered within the year
    assert K[("in_transit_at_period_end_share", "2024", "middle_corridor")] == 0.0
