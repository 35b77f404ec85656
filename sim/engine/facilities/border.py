"""Border crossing with gauge change: a transfer facility whose outbound trains are
formed on the other gauge, and whose boxes' stage hours are stamped into the records (the
k-th crossing on a box's path in slot k). Outbound trains wait for the daily handover cap
of their direction, if any (:mod:`sim.engine.facilities.handover`)."""

from __future__ import annotations

import numpy as np

from sim.engine.facilities.handover import Handover
from sim.engine.facilities.transfer import TransferFacility
from sim.engine.logs import Clearance, InboundTrain, OutboundTrain, columns
from sim.engine.records import ContainerStore, flat
from sim.scenario.handover import HANDOVER_FIELDS
from sim.scenario.schema import Crossing


class BorderCrossing(TransferFacility):
    """One crossing: a :class:`~sim.engine.facilities.transfer.TransferFacility` (tracks,
    cranes, yard, customs, pools) whose outbound trains run on the other gauge, of the
    length the crossing's table gives for that gauge."""

    table = "crossing"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for gauge, name in HANDOVER_FIELDS.items():  # a gate per direction, capped or not
            self.handovers[gauge] = Handover(self.env, getattr(self.cfg, name),
                                             lambda: self.closed)

    def handover(self, gauge_out_mm: int | None) -> Handover | None:
        """The handover gate of the trains leaving on ``gauge_out_mm``."""
        return None if gauge_out_mm is None else self.handovers[gauge_out_mm]

    def change(self, field: str, value: float) -> None:
        """A timeline change: a handover cap here, the rail side's fields in the base."""
        for gauge, name in HANDOVER_FIELDS.items():
            if field == name:
                self.handovers[gauge].set_cap(int(value))
                return
        super().change(field, value)

    def outbound_train_boxes(self, gauge_out_mm: int | None) -> int:
        """Boxes per outbound train formed here onto the gauge ``gauge_out_mm`` (as
        :func:`sim.scenario.network.outbound_boxes` reads the crossing's table)."""
        c = self.cfg
        if not isinstance(c, Crossing):
            raise TypeError(f"{self.id}: a crossing needs a crossing table")
        if gauge_out_mm == 1435:
            return c.train_boxes_standard_gauge
        if gauge_out_mm == 1520:
            return c.train_boxes_broad_gauge
        raise ValueError(f"{self.id}: a crossing's outbound trains run on 1435 or 1520 mm "
                         f"(asked for {gauge_out_mm!r})")

    def stamp(self, store: ContainerStore, slot_lut: np.ndarray, flow_route: np.ndarray
              ) -> None:
        """Write this crossing's stage times into the record store (after the run, routes
        stamped). A box's slot (this is its k-th crossing) follows from its flow and route:
        ``slot_lut[flow, route, node]``, looked up by ``flow_route`` (``flow * n_routes +
        route`` per row)."""
        tc = store.t_crossing
        lut = slot_lut[:, :, self.code].ravel()  # slot by flow * n_routes + route
        used = np.unique(lut)
        used = used[used >= 0]

        def cells(rows: np.ndarray) -> np.ndarray:
            """Where the boxes' stamps go in the flat (slot, row) arrays."""
            if len(used) == 1:  # every box meets this crossing as its k-th: no lookup
                return int(used[0]) * store.n + rows
            at = lut[flow_route[rows]].astype(np.intp)  # (in place: fewer arrays at once)
            at *= store.n
            at += rows
            return at

        # each per-train log is read once, as a whole (no pass per field)
        waiting = self.inside()
        if self.log:
            at = cells(np.concatenate(self.in_rows))
            logged: InboundTrain[np.ndarray] = columns(self.log, InboundTrain)
            lens = logged.boxes.astype(np.int64)  # boxes per train
            cleared: Clearance[np.ndarray] = columns(self.clear_log, Clearance)
            flat(tc["unloaded"])[at] = np.repeat(logged.unloaded_h, lens)
            ready = np.repeat(cleared.cleared_h, lens)
            # the first k_insp boxes of each train were pulled for inspection
            k_insp = cleared.boxes_inspected.astype(np.int64)
            if k_insp.any():
                first = np.cumsum(lens) - lens  # each train's first position
                pos = np.repeat(first, k_insp) + (
                    np.arange(k_insp.sum()) - np.repeat(np.cumsum(k_insp) - k_insp, k_insp))
                ready[pos] = np.repeat(cleared.inspected_h, k_insp)
            flat(tc["ready"])[at] = ready
            del ready
            t_arr = np.repeat(logged.arrived_h, lens)
        else:
            at, t_arr = np.empty(0, np.intp), np.empty(0)
        # trains still queueing or being unloaded at the end have arrived too
        if waiting:
            at = np.concatenate([at, cells(np.concatenate([w.rows for w in waiting]))])
            t_arr = np.concatenate([t_arr, np.repeat([w.arrived_h for w in waiting],
                                                     [len(w.rows) for w in waiting])])
        flat(store.crossing)[at] = self.code
        flat(tc["arrive"])[at] = t_arr
        del at, t_arr
        if self.out_rows:
            at = cells(np.concatenate(self.out_rows))
            out: OutboundTrain[np.ndarray] = columns(self.out_log, OutboundTrain)
            flat(tc["depart"])[at] = np.repeat(out.departed_h, out.boxes.astype(np.int64))


