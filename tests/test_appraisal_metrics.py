"""NPV, benefit-cost ratio and EIRR against cash flows worked by hand, and the dated cost
items of a costs file (capital, operating cost, residual value)."""

import math

import numpy as np
import pytest

from sim.study.appraisal import metrics
from sim.study.appraisal.appraise import cost_flows
from sim.study.appraisal.schema import CostsFile

# -100 now, then +30 a year for 5 years.
FLOWS = np.array([-100.0, 30, 30, 30, 30, 30])


def test_npv_by_hand():
    # at 5 %: 30 x annuity factor (1 - 1.05^-5) / 0.05 = 30 x 4.329477 = 129.8843, less 100
    assert metrics.npv(FLOWS, 0.05) == pytest.approx(29.8843, abs=1e-4)
    # at 0 %: the plain sum
    assert metrics.npv(FLOWS, 0.0) == pytest.approx(50.0)
    # discounted to year 1 instead of year 0: x 1.05
    assert metrics.npv(FLOWS, 0.05, t0=1) == pytest.approx(29.8843 * 1.05, abs=1e-4)


def test_bcr_by_hand():
    # PV of benefits 129.8843 over PV of costs 100
    pv_b = metrics.npv(np.array([0.0, 30, 30, 30, 30, 30]), 0.05)
    assert metrics.bcr(pv_b, 100.0) == pytest.approx(1.298843, abs=1e-6)
    assert math.isnan(metrics.bcr(pv_b, 0.0))


def test_eirr_by_hand():
    # the annuity factor at the EIRR is 100 / 30 = 3.3333: between 15 % (3.3522) and
    # 16 % (3.2743), by interpolation 15.24 %; Brent's method gives 15.2382 %
    rate, roots = metrics.eirr(FLOWS)
    assert roots == 1
    assert rate == pytest.approx(0.152382, abs=1e-6)
    assert metrics.npv(FLOWS, rate) == pytest.approx(0.0, abs=1e-9)


def test_eirr_none_without_a_change_of_sign():
    # flows of one sign have an NPV of that sign at every rate: no EIRR; all positive,
    # the project repays at once (inf); all negative, never (None)
    assert metrics.eirr(np.array([10.0, 10, 10])) == (math.inf, 0)
    assert metrics.eirr(np.array([-10.0, -1, -1])) == (None, 0)
    assert metrics.eirr(np.zeros(4)) == (None, 0)


def test_eirr_above_the_first_grid_interval():
    # -10, +20, +20: with x = 1 / (1 + r), 20 x^2 + 20 x - 10 = 0, x = (sqrt(3) - 1) / 2,
    # so 1 + r = 2 / (sqrt(3) - 1) = sqrt(3) + 1: the EIRR is sqrt(3) = 173.2 %
    assert metrics.eirr(np.array([-10.0, 20, 20]))[0] == pytest.approx(math.sqrt(3),
                                                                       abs=1e-9)


def test_discount_factors():
    f = metrics.discount_factors([2025, 2026, 2027], 2025, 0.10)
    assert f == pytest.approx([1.0, 1 / 1.1, 1 / 1.21])


def _costs(**item):
    return CostsFile.model_validate({
        "appraisal": {"price_year": 2024, "base_year": 2025, "first_year": 2025,
                      "period_years": 5, "discount": {"rate": 0.05, "source": "test"}},
        "value_of_time": {"usd_per_teu_day": 100, "source": "test"},
        "carbon": {"usd_per_t": 60, "source": "test"},
        "margin": {"usd_per_teu": 50, "corridors": ["mc"], "source": "test"},
        "items": [{"name": "quay", "year": 2025, "capex_usd": 100.0, "source": "test",
                   **item}]})


def test_cost_items_capex_opex_and_residual_value():
    # capex 100 in 2025, opex 5 a year from 2026, a 10-year life: in service to 2035, so
    # at the end of the period (2029) 6 of its 10 years are left: residual 60 in 2029
    flows = cost_flows(_costs(opex_usd_per_year=5.0, lifetime_years=10))
    assert flows["capex: quay"].tolist() == [-100, 0, 0, 0, 0]
    assert flows["opex: quay"].tolist() == [0, -5, -5, -5, -5]
    assert flows["residual: quay"].tolist() == [0, 0, 0, 0, 60]


def test_cost_items_life_ends_inside_the_period():
    # a 2-year life: operating cost in 2026 and 2027 only, nothing left in 2029
    flows = cost_flows(_costs(opex_usd_per_year=5.0, lifetime_years=2))
    assert flows["opex: quay"].tolist() == [0, -5, -5, 0, 0]
    assert "residual: quay" not in flows
