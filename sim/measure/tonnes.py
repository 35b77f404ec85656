"""Tonnes carried by the modelled boxes: each box weighs its TEU times its flow's mean
cargo tonnes per TEU (``demand.flows.X.tonnes_per_teu``, else ``demand.tonnes_per_teu``),
so port and route volumes can be set beside the published million-tonne figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.engine.output import RunOutput


def tonnes_per_teu_by_flow(out: RunOutput) -> np.ndarray:
    """Mean tonnes per TEU of each flow, in flow-code order."""
    d = out.scenario.demand
    return np.array([d.flows[f].tonnes_per_teu or d.tonnes_per_teu for f in out.flow_ids],
                    dtype=float)


def row_tonnes(out: RunOutput) -> np.ndarray:
    """Tonnes of every box of the record store (row order), computed once per run."""
    got = out.cache.get("row_tonnes")
    if got is None:
        st = out.store
        got = out.cache["row_tonnes"] = (
            tonnes_per_teu_by_flow(out).take(st.flow) * st.teu).astype(np.float32)
    return got
