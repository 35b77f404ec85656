"""Figures from result files. Each plot function takes a frame read from a result folder
and an optional matplotlib ``ax``, draws on it and returns the ``ax``; nothing here
imports the simulation layer or re-runs anything. :mod:`sim.plots.kinds` turns each kind
of result folder into its figure set (``corridor plot``) and report tables (``corridor
report``).
"""

from sim.plots.calibration import calibration_targets, objective_trace, posterior_histogram
from sim.plots.comparison import forest_plot, forest_rows, scenario_series
from sim.plots.network_map import basemap, corridor_map, map_legend
from sim.plots.run import (
    monthly_boxes_by_crossing,
    monthly_teu_by_service,
    queue_by_facility,
    throughput_by_crossing,
    throughput_by_route,
    transit_time_by_corridor,
    transit_time_by_route,
    transit_time_summary_by_route,
    utilisation_heatmap,
    yard_by_facility,
)
from sim.plots.style import STYLE

__all__ = ["STYLE", "basemap", "calibration_targets", "corridor_map", "forest_plot", "forest_rows",
           "map_legend", "monthly_boxes_by_crossing", "monthly_teu_by_service",
           "objective_trace", "posterior_histogram", "queue_by_facility",
           "scenario_series", "throughput_by_crossing", "throughput_by_route",
           "transit_time_by_corridor", "transit_time_by_route",
           "transit_time_summary_by_route", "utilisation_heatmap", "yard_by_facility"]
