"""Inland dry port: a transfer facility on one gauge, where boxes are unloaded, cleared
by customs and re-formed into outbound trains of the dry port's length."""

from __future__ import annotations

from sim.engine.facilities.transfer import TransferFacility
from sim.scenario.schema import DryPort


class DryPortFacility(TransferFacility):
    """One dry port: the whole of a
    :class:`~sim.engine.facilities.transfer.TransferFacility` (tracks, cranes, yard,
    customs and inspection, pools, rail-side closures); its outbound trains run on the
    gauge they arrived on, of ``train_boxes`` boxes."""

    table = "dry_port"

    def outbound_train_boxes(self, gauge_out_mm: int | None) -> int:
        """Boxes per outbound train formed here (the same gauge in and out)."""
        if not isinstance(self.cfg, DryPort):
            raise TypeError(f"{self.id}: a dry port needs a dry_port table")
        return self.cfg.train_boxes
