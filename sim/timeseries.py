"""Daily time series per facility over the reported horizon (warm-up excluded).

Long format: one row per (date, facility, metric) with a float value. Crossings report
trains and boxes arriving, trains waiting (time-average), crane utilisation and yard TEU
(time-average); link directions report trains entering and trains waiting for a path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .intervals import crossing_record, link_directions
from .model import RunOutput
from .monitors import counts_in, window_means


def daily(out: RunOutput) -> pd.DataFrame:
    cal = out.calendar
    edges = np.arange(cal.start_h, cal.end_h + 1e-9, 24.0)
    dates = pd.date_range(cal.start, periods=len(edges) - 1, freq="D")
    end_h = cal.end_h
    frames = []

    def add(facility: str, kind: str, metric: str, values) -> None:
        frames.append(pd.DataFrame({"date": dates, "facility": facility, "kind": kind,
                                    "metric": metric, "value": np.asarray(values, float)}))

    for nid in out.crossings:
        rec = crossing_record(out, nid)
        add(nid, "crossing", "trains_arrived", counts_in(rec.arrive, edges))
        add(nid, "crossing", "boxes_arrived", counts_in(rec.arrive, edges, rec.boxes))
        add(nid, "crossing", "queue_trains", window_means(*rec.queue, edges, end=end_h))
        busy = window_means(*rec.busy, edges, end=end_h)
        c_from, c_to, c_n = rec.cranes
        avail = window_means(c_from, c_to, edges, c_n, end=end_h)
        add(nid, "crossing", "crane_utilisation",
            np.divide(busy, avail, out=np.full(len(busy), np.nan), where=avail > 0))
        a, b, w = rec.yard
        add(nid, "crossing", "yard_teu", window_means(a, b, edges, w, end=end_h))
    for scope, _line, reached, entered in link_directions(out):
        add(scope, "link", "trains_entered", counts_in(entered, edges))
        add(scope, "link", "queue_trains", window_means(reached, entered, edges, end=end_h))
    if not frames:
        return pd.DataFrame(columns=["date", "facility", "kind", "metric", "value"])
    return pd.concat(frames, ignore_index=True)
