"""Plain-English labels of the KPIs, for tables, figures and reports (the definitions, with
units, are :data:`sim.measure.kpis.KPIS`; a test holds the two lists together)."""

from __future__ import annotations

from sim.measure.headline import HEADLINE

LABELS: dict[str, str] = {
    "background_offered": "background traffic offered",
    "background_wait_hours_mean": "background traffic, mean wait",
    "background_waiting_at_end": "background traffic waiting at the end",
    "border_consolidation_hours_mean": "border: mean wait for an onward train",
    "border_customs_hours_mean": "border: mean customs time",
    "border_dwell_hours_mean": "border: mean time at the crossing",
    "border_handling_hours_mean": "border: mean time to unload",
    "caspian_teu": "TEU shipped across the Caspian",
    "closure_hours": "hours closed",
    "co2e_kg_per_teu_mean": "CO2e per TEU",
    "co2e_t_total": "CO2e, total",
    "containers_by_corridor": "boxes by corridor",
    "containers_by_crossing": "boxes arriving at the crossing",
    "containers_by_route": "boxes by route",
    "containers_created": "boxes created",
    "containers_delivered": "boxes delivered",
    "containers_diverted": "boxes diverted to another route",
    "containers_held": "boxes held at their origin",
    "containers_held_at_end": "boxes still held at their origin at the end",
    "containers_in_market": "boxes in the rail/sea market",
    "containers_in_system": "boxes in the system at the end",
    "containers_in_transit_at_end": "boxes in transit at the end",
    "containers_lost": "boxes lost (to sea or refused)",
    "containers_to_sea": "market boxes expected to go by sea",
    "corridor_share_china_europe": "China->Europe share by corridor",
    "cost_usd_per_feu_mean": "all-in cost per FEU",
    "disruption_boxes_delayed": "boxes caught by closures",
    "disruption_events": "closures",
    "disruption_peak_backlog": "peak backlog after a closure",
    "disruption_recovery_hours_mean": "mean recovery time after a closure",
    "disruption_unrecovered": "closures not recovered from by the end",
    "empty_teu_repositioned": "empty TEU repositioned",
    "empty_trains": "trains of empties",
    "empty_units_by_service": "empty units shipped",
    "ferry_railcars_background": "ferry railcars, background part",
    "ferry_railcars_total": "ferry railcars, total",
    "ferry_trucks_total": "ferry trucks (background)",
    "handover_wait_hours_mean": "mean wait for a handover slot",
    "handovers_per_day_mean": "handovers per day",
    "kz_share_china_europe_land": "KZ share of China->Europe land boxes",
    "link_trains_background": "trains on the link, background part",
    "link_trains_total": "trains on the link, total",
    "mode_headroom_days": "days rail took every market box",
    "origin_hold_hours_mean": "mean hold at the origin (acceptance)",
    "origin_wait_days_mean": "mean wait at the origin",
    "port_consolidation_hours_mean": "port: mean wait for onward transport",
    "port_customs_hours_mean": "port: mean customs time",
    "port_dwell_hours_mean": "port: mean time in port",
    "port_handling_hours_mean": "port: mean time to unload",
    "port_teu_background": "port TEU, background part",
    "port_teu_total": "port TEU, total",
    "port_tonnes_background": "port tonnes, background part",
    "port_tonnes_total": "port tonnes, total",
    "queue_trains_mean": "mean trains queueing",
    "queue_trains_peak": "most trains queueing at once",
    "rail_share_of_market_mean": "rail share of the market",
    "sailings_by_service": "sailings",
    "sea_share_predicted_mean": "predicted sea share",
    "service_teu_background": "sea TEU, background part",
    "service_teu_total": "sea TEU, total",
    "service_tonnes_background": "sea tonnes, background part",
    "service_tonnes_total": "sea tonnes, total",
    "teu_by_crossing": "TEU arriving at the crossing",
    "teu_by_route": "TEU by route",
    "teu_by_service": "TEU by vessel service",
    "teu_created": "TEU created",
    "trains_by_crossing": "trains arriving at the crossing",
    "trains_by_route": "trains by route",
    "trains_waited_for_wagons": "trains that waited for wagons",
    "trains_waiting_for_wagons_at_end": "trains waiting for wagons at the end",
    "transit_containers_china_central_asia": "transit boxes China->Europe via KZ",
    "transit_teu_china_central_asia": "transit TEU China->Europe via KZ",
    "transit_time_days_mean": "mean transit time",
    "transit_time_days_p95": "95th-percentile transit time",
    "transit_time_days_km": "transit time of the period's boxes, those under way included",
    "in_transit_at_period_end_share": "share of the period's boxes still under way at its end",
    "utilisation": "utilisation",
    "vessel_fill_rate": "vessel fill rate by the modelled boxes",
    "vessel_load_rate": "how full the vessels sailed, all cargo",
    "vessel_utilisation": "vessel utilisation",
    "wagon_cycle_days_mean": "mean wagon cycle",
    "wagon_utilisation": "wagon utilisation",
    "wagon_wait_hours_mean": "mean wait for wagons",
    "wagons_in_use_mean": "wagons in use",
    "yard_occupancy_teu_mean": "mean yard occupancy",
    "yard_utilisation": "yard utilisation",
}
"""KPI name -> a short label (no unit: tables and figures add it)."""

# plain-English labels of the headline rows, as the run summary shows them
HEADLINE_LABELS = {(n, s): label.strip() for n, s, label in HEADLINE}


def kpi_label(name: str, scope: str) -> str:
    """A KPI row's plain-English label: the headline's, or the KPI's label and the scope
    it is for."""
    if (name, scope) in HEADLINE_LABELS:
        return HEADLINE_LABELS[(name, scope)]
    what = LABELS.get(name, name.replace("_", " "))
    return what if scope == "all" else f"{what} — {scope}"
