"""The baseline table of docs/validation.md, computed from the golden KPIs (results/reference/).

``python -m tests.headline`` prints it; tests/test_readme.py checks that the page shows
exactly these rows, so it cannot drift from the model.
"""

from __future__ import annotations

import json
import math
import sys

from .golden import GOLDEN


def _k() -> dict:
    recs = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return {(r["name"], r["period"], r["scope"]): (math.nan if r["mean"] is None
                                                   else r["mean"]) for r in recs}


def rows() -> list[str]:
    K = _k()

    def v(name, year, scope="all"):
        return K.get((name, year, scope), math.nan)

    def n(x):
        return f"{x:,.0f}"

    def d(x):
        return f"{x:.1f}"

    def pc(x):
        return f"{100 * x:.1f} %"

    def both(f, *keys):  # one cell per year
        return [f(*[v(*k[:1], y, *k[1:]) for k in keys]) for y in ("2023", "2024")]

    def pair(name, a, b, fmt=d, sep=" / "):
        return [fmt(v(name, y, a)) + sep + fmt(v(name, y, b)) for y in ("2023", "2024")]

    def mean_p95(scope):
        return [d(v("transit_time_days_mean", y, scope)) + " / "
                + d(v("transit_time_days_p95", y, scope)) for y in ("2023", "2024")]

    def many(name, scopes, fmt, year="2024"):
        return " / ".join(fmt(v(name, year, s)) for s in scopes)

    t23, t24 = v("transit_containers_china_central_asia", "2023"), v(
        "transit_containers_china_central_asia", "2024")
    out = [
        ("China→Europe boxes across Dostyk + Altynkol (`transit_containers_china_central_asia`)",
         [n(t23), n(t24)], ">211,000 in 2024, +12 % (§1.1)"),
        ("growth", ["", f"+{100 * (t24 / t23 - 1):.1f} %"], "+12 %"),
        ("the same in TEU", both(n, ("transit_teu_china_central_asia",)),
         "ERA China→Europe 412k TEU (§1.2)"),
        ("Kazakhstan's share of China→Europe land boxes",
         both(pc, ("kz_share_china_europe_land",)), "~85 % (§1.1)"),
        ("China→Europe boxes by corridor: Northern via KZ / Middle Corridor / Trans-Siberian",
         [" / ".join(f"{100 * v('corridor_share_china_europe', y, c):.1f}" for c in
                     ("northern", "middle_corridor", "trans_siberian")) + " %"
          for y in ("2023", "2024")], ""),
        ("TEU shipped across the Caspian, both ways (`caspian_teu`, all)", both(n, ("caspian_teu",)),
         "TITR China→Europe 35,600 TEU in 2024, 27× 2023 (§1.5)"),
        ("of which Aktau feeders / Kuryk ferries (TEU)",
         pair("teu_by_service", "aktau_alat_feeder", "kuryk_alat_ferry", n), ""),
        ("China→South Caucasus boxes (Middle Corridor boxes that end in AZ/GE) / Middle Corridor to and from Europe",
         pair("containers_by_corridor", "trans_caspian", "middle_corridor", n),
         "Georgia: 3,608 TEU of MC transit in H1 2024 (Caliber.az)"),
        ("Aktau–Alat line TEU, all cargo both ways (`service_teu_total`)",
         both(n, ("service_teu_total", "aktau_alat_feeder:both")),
         "55k TEU on the route in 2024 (§1.6)"),
        ("Kuryk–Alat ferry railcars, both ways (`ferry_railcars_total`)",
         both(n, ("ferry_railcars_total", "kuryk_alat_ferry:both")),
         "Kuryk 16,450 in Jan–Oct 2023 = 19,740 a year (§1.6)"),
        ("Baku/Alat port TEU, all containers (`port_teu_total`)",
         both(n, ("port_teu_total", "alat")), "76,775 TEU in 2024 (§1.6)"),
        ("tonnes across the Caspian, Kazakhstan–Azerbaijan lines (million)",
         both(lambda x: f"{x / 1e6:.2f}", ("service_tonnes_total", "AZ-KZ")),
         "TITR 2.764 mt (2023), 4.484 mt (2024) (§1.5)"),
        ("transit time, Northern route via Kazakhstan (mean / p95, days)",
         mean_p95("northern"),
         "20–26 d door to door, 13–21 d terminal to terminal (§1.7)"),
        ("transit time, Trans-Siberian via Zabaikalsk/Erenhot (mean / p95, days)",
         mean_p95("trans_siberian"),
         "20–26 d (§1.7)"),
        ("transit time, Middle Corridor, both ways (mean / p95, days)",
         mean_p95("middle_corridor"),
         "KZ MoT best case ~30 d (Altynkol→Constanța 20–22 d); DHL 50–55 d door to door (§1.7)"),
        ("transit time, Xi'an → South Caucasus (mean / p95, days)", mean_p95("trans_caspian"),
         "China→Azerbaijan block trains 8–12 d (§1.7)"),
        ("of which waiting at Xi'an for the train to fill (days)",
         both(d, ("origin_wait_days_mean", "middle_corridor")),
         "11 block trains in all of 2023 (§1.5)"),
        ("transit time, North–South to Tehran (mean, days)",
         ["", d(v("transit_time_days_mean", "2024", "north_south"))],
         "15 d for the 2024 pilot train"),
        ("mean time at Dostyk / Altynkol / Brest (hours)",
         ["", many("border_dwell_hours_mean", ("dostyk", "altynkol", "brest"), n)],
         "KZ inbound 54–78 h (CAREC CPMM 2020–22), Brest 1–3 days (§2.1, §2.6)"),
        ("mean time at Aktau / Kuryk / Alat / Poti / Constanța (hours)",
         ["", many("port_dwell_hours_mean", ("aktau", "kuryk", "alat", "poti", "constanta"),
                   n)], "Baku 20.1 h per vessel call (§2.3)"),
        ("crane utilisation Dostyk / Altynkol / Brest",
         ["", many("utilisation", ("dostyk", "altynkol", "brest"), lambda x: f"{x:.2f}")], ""),
        ("how full the vessels sailed westbound, all cargo aboard, Aktau feeders / Kuryk "
         "ferries (of usable capacity, itself 0.75 of nominal)",
         pair("vessel_load_rate", "aktau_alat_feeder", "kuryk_alat_ferry",
              lambda x: f"{x:.2f}"),
         "ships at 70–80 % of nominal (§3.2): 0.93–1.0 of usable"),
        ("the modelled boxes alone, the same vessels (vessel_fill_rate)",
         pair("vessel_fill_rate", "aktau_alat_feeder", "kuryk_alat_ferry",
              lambda x: f"{x:.2f}"), ""),
        ("storm closures Aktau / Kuryk / Alat (hours)",
         [" / ".join(n(v("closure_hours", y, p)) for p in ("aktau", "kuryk", "alat"))
          for y in ("2023", "2024")], "Kuryk ~50 % closed Nov–Dec 2024 (§3.1)"),
    ]
    return ["| | 2023 | 2024 | published |", "|---|---:|---:|---|"] + [
        f"| {label} | {a} | {b} | {pub} |" for label, (a, b), pub in out]


def accounted() -> str:
    K = _k()
    c = {k: K[(k, "run", "all")] for k in ("containers_created", "containers_delivered",
                                           "containers_in_system")}
    where = {p: K[("containers_in_system", "run", p)] for p in
             ("at_origin", "on_rail", "at_crossing", "at_port", "at_sea")}
    return (f"All {c['containers_created']:,.0f} boxes created in the run (warm-up included) "
            f"are accounted for: {c['containers_delivered']:,.0f} delivered and "
            f"{c['containers_in_system']:,.0f} still in the system at the horizon "
            f"({where['at_origin']:,.0f} at their origin, {where['on_rail']:,.0f} on rail, "
            f"{where['at_crossing']:,.0f} at a crossing, {where['at_port']:,.0f} at a port, "
            f"{where['at_sea']:,.0f} at sea).")


if __name__ == "__main__":
    print("\n".join(rows()))
    print()
    print(accounted())
    sys.exit(0)
