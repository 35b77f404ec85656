"""Daily time series per facility over the reported horizon (warm-up excluded).

Long format: one row per (date, facility, metric) with a float value. Crossings report
trains and boxes arriving, trains waiting (time-average), crane utilisation, yard TEU
(time-average) and yard utilisation; ports boxes arriving by rail and by sea, yard TEU,
yard utilisation and the share of the day closed; vessel services sailings, TEU sailed
and boxes routed per direction, and the fleet's utilisation; link directions trains
entering, trains waiting for a path and boxes routed.

*Boxes routed* over a link or sea passage, in one direction, are the boxes on block trains
leaving their origin that day whose path uses it: the flow assigned to the network (the
corridor map's line widths), dated by the departure from the origin, not by the day the
boxes reach that link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.logs import OriginTrain, columns
from sim.engine.records import Coded, table
from sim.measure.intervals import (
    CrossingRecord,
    by_rail,
    closed_share,
    crane_utilisation,
    crossing_record,
    crossing_yard_teu,
    link_directions,
    port_yard_teu,
    routed_scopes,
    sailing_columns,
    vessel_utilisation,
    visits,
    yard_utilisation,
)
from sim.measure.monitors import counts_in, window_means
from sim.scenario.kinds import kind_of, kinds_where
from sim.scenario.network import service_scope

if TYPE_CHECKING:
    import pandas as pd

    from sim.engine.facilities.transfer import TransferFacility
    from sim.engine.output import RunOutput


SERIES_COLUMNS = ["date", "facility", "kind", "metric", "value"]


def daily(out: RunOutput) -> pd.DataFrame:
    """The daily series of a run as a frame (:func:`daily_columns`)."""
    cols = daily_columns(out)
    if cols is None:
        import pandas as pd
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return table(cols)


def day_edges(out: RunOutput) -> np.ndarray:
    """The hours at which the days of the reported span begin, and its end."""
    cal = out.calendar
    return np.arange(cal.start_h, cal.end_h + 1e-9, 24.0)


def daily_columns(out: RunOutput, crossings: dict[str, dict[str, np.ndarray]] | None = None
                  ) -> dict[str, np.ndarray | Coded] | None:
    """The daily series of a run in long form (date, facility, kind, metric, value), as
    columns without pandas (None: no series), so that they can be made while the run
    lives and framed once it is freed. ``crossings``: the gauge crossings' series made
    already (:func:`crossing_series`, by :func:`sim.measure.kpis.compute` while it had
    each crossing's record at hand), by node."""
    cal = out.calendar
    edges = day_edges(out)
    # each day of the reported span, in seconds as pandas (>= 3)' daily range of a date
    dates = np.datetime64(cal.start, "s") + np.arange(len(edges) - 1) * np.timedelta64(1, "D")
    end_h = cal.end_h
    labels: list[tuple[str, str, str]] = []
    frames: list[np.ndarray] = []

    def add(facility: str, kind: str, metric: str, values) -> None:
        labels.append((facility, kind, metric))
        frames.append(np.asarray(values, float))

    # per kind with daily series, in registry order, its nodes in node order: the series
    # its row names, of those the measures yield for it (a series named but not yielded
    # is an error, not a gap)
    for kind in kinds_where(lambda k: bool(k.series)):
        family = _crossing_series if kind.joins_gauges else _visit_series
        for nid, fac in out.facilities.items():
            if kind_of(out.scenario.nodes[nid]) is not kind:
                continue
            got = (crossings[nid] if kind.joins_gauges and crossings and nid in crossings
                   else family(out, nid, fac, edges, end_h))
            missing = [m for m in kind.series if m not in got]
            if missing:
                raise ValueError(f"kind '{kind.name}': the measures yield no daily "
                                 f"{', '.join(missing)} for its nodes")
            for metric in kind.series:
                add(nid, kind.section or kind.name, metric, got[metric])
    routed = _boxes_routed(out, edges)
    for sid, svc in out.services.items():
        sail = sailing_columns(svc)
        for d in (0, 1):
            scope = service_scope(sid, d)
            m = sail.direction == d
            add(scope, "service", "sailings", counts_in(sail.sailed_h[m], edges))
            add(scope, "service", "teu_sailed",
                counts_in(sail.sailed_h[m], edges, sail.teu[m]))
            add(scope, "service", "boxes_routed", routed.get(scope, np.zeros(len(dates))))
        add(sid, "service", "vessel_utilisation", vessel_utilisation(svc, edges, end_h))
    for scope, _line, reached, entered in link_directions(out):
        add(scope, "link", "trains_entered", counts_in(entered, edges))
        add(scope, "link", "queue_trains", window_means(reached, entered, edges, end=end_h))
        add(scope, "link", "boxes_routed", routed.get(scope, np.zeros(len(dates))))
    if not frames:
        return None
    n = len(dates)  # one frame built at once: a frame per series cost more than the series
    cols: dict[str, np.ndarray | Coded] = {"date": np.tile(dates, len(frames))}
    for j, name in enumerate(("facility", "kind", "metric")):
        # categorical: cheap to send back from a worker process and to store
        names = [lab[j] for lab in labels]
        cats = sorted(set(names))
        code = {c: i for i, c in enumerate(cats)}
        cols[name] = Coded(np.repeat(np.array([code[x] for x in names], np.int32), n), cats)
    cols["value"] = np.concatenate(frames)
    return cols


def _crossing_series(out: RunOutput, nid: str, xing: TransferFacility, edges: np.ndarray,
                     end_h: float) -> dict[str, np.ndarray]:
    """The daily series of a gauge crossing, from its stays stamped in the records."""
    return crossing_series(xing, crossing_record(out, nid), edges, end_h)


def crossing_series(xing: TransferFacility, rec: CrossingRecord, edges: np.ndarray,
                    end_h: float) -> dict[str, np.ndarray]:
    """The daily series of a gauge crossing from its record."""
    yard = crossing_yard_teu(rec, edges, end_h)
    return {"trains_arrived": counts_in(rec.arrived_h, edges),
            "boxes_arrived": counts_in(rec.arrived_h, edges, rec.boxes),
            "queue_trains": window_means(*rec.queue, edges, end=end_h),
            "crane_utilisation": crane_utilisation(rec, edges, end_h),
            "yard_teu": yard,
            "yard_utilisation": yard_utilisation(xing, yard, edges, end_h)}


def _visit_series(out: RunOutput, nid: str, fac: TransferFacility, edges: np.ndarray,
                  end_h: float) -> dict[str, np.ndarray]:
    """The daily series of a port or any facility whose stays are read from its visits."""
    v = visits(out, nid)
    yard = port_yard_teu(out, nid, edges)
    rail = by_rail(v["kind"])
    return {"boxes_arrived_by_rail": counts_in(v["arrive"][rail], edges),
            "boxes_arrived_by_sea": counts_in(v["arrive"][~rail], edges),
            "yard_teu": yard,
            "yard_utilisation": yard_utilisation(fac, yard, edges, end_h),
            "closed_share": closed_share(fac.closures, edges, end_h)}


def _boxes_routed(out: RunOutput, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Per link or sea-passage direction (its scope), boxes on block trains leaving their
    origin in each window whose path uses it."""
    trains: OriginTrain[np.ndarray] = columns(out.origin_trains, OriginTrain)
    scopes = routed_scopes(out)
    got: dict[str, np.ndarray] = {}
    pairs = trains.flow * len(out.route_ids) + trains.route
    for key in np.unique(pairs).tolist():
        m = pairs == key
        boxes = counts_in(trains.departed_h[m], edges, trains.boxes[m])
        f, r = divmod(int(key), len(out.route_ids))
        for scope in scopes[(f, r)]:
            if scope in got:
                got[scope] = got[scope] + boxes
            else:
                got[scope] = boxes
    return got
