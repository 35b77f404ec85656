"""Daily time series per facility over the reported horizon (warm-up excluded).

Long format: one row per (date, facility, metric) with a float value. Crossings report
trains and boxes arriving, trains waiting (time-average), crane utilisation and yard TEU
(time-average); link directions report trains entering and trains waiting for a path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import RunOutput
from .monitors import counts_in, rows_array, window_means
from .network import MAX_CROSSINGS


def daily(out: RunOutput) -> pd.DataFrame:
    cal, st, s = out.calendar, out.store, out.scenario
    edges = np.arange(cal.start_h, cal.end_h + 1e-9, 24.0)
    dates = pd.date_range(cal.start, periods=len(edges) - 1, freq="D")
    end_h = cal.end_h
    frames = []

    def add(facility: str, kind: str, metric: str, values) -> None:
        frames.append(pd.DataFrame({"date": dates, "facility": facility, "kind": kind,
                                    "metric": metric, "value": np.asarray(values, float)}))

    for nid, xing in out.crossings.items():
        log = rows_array(xing.log, 6)
        u_arrive, u_crane = xing.unfinished()
        handled = np.isfinite(u_crane)
        add(nid, "crossing", "trains_arrived",
            counts_in(np.concatenate((log[:, 0], u_arrive)), edges))
        add(nid, "crossing", "boxes_arrived",
            counts_in(np.concatenate((log[:, 0], u_arrive)), edges,
                      np.concatenate((log[:, 4], xing.unfinished_boxes()))))
        add(nid, "crossing", "queue_trains",
            window_means(np.concatenate((log[:, 0], u_arrive)),
                         np.concatenate((log[:, 2], u_crane)), edges, end=end_h))
        busy = window_means(np.concatenate((log[:, 2], u_crane[handled])),
                            np.concatenate((log[:, 3], np.full(int(handled.sum()), np.nan))),
                            edges, end=end_h)
        add(nid, "crossing", "crane_utilisation", busy / xing.cfg.cranes)
        code = out.node_ids.index(nid)
        a, b, w = [], [], []
        for k in range(MAX_CROSSINGS):
            m = (st.crossing[k] == code) & np.isfinite(st.t_crossing["unloaded"][k])
            a.append(st.t_crossing["unloaded"][k][m])
            b.append(st.t_crossing["depart"][k][m])
            w.append(st.teu[m].astype(float))
        add(nid, "crossing", "yard_teu",
            window_means(np.concatenate(a), np.concatenate(b), edges, np.concatenate(w),
                         end=end_h))
    for lid, line in out.lines.items():
        if not line.log:
            continue
        link = s.links[lid]
        req, ent, d = line.log_arrays()
        for direction, (fa, fb) in enumerate(((link.from_, link.to), (link.to, link.from_))):
            m = d == direction
            if not m.any():
                continue
            scope = f"{lid}:{fa}>{fb}"
            add(scope, "link", "trains_entered", counts_in(ent[m], edges))
            add(scope, "link", "queue_trains", window_means(req[m], ent[m], edges, end=end_h))
    if not frames:
        return pd.DataFrame(columns=["date", "facility", "kind", "metric", "value"])
    return pd.concat(frames, ignore_index=True)
