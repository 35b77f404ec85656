"""The KPIs shown first: in the run summary and report (per reported year), and in the
comparison summary, forest plot and report (as name, scope pairs)."""

HEADLINE = [
    ("transit_containers_china_central_asia", "all", "transit boxes China->Europe via KZ"),
    ("kz_share_china_europe_land", "all", "KZ share of China->Europe land boxes"),
    ("containers_created", "all", "boxes created"),
    ("containers_delivered", "all", "boxes delivered"),
    ("corridor_share_china_europe", "northern", "China->Europe share, Northern via KZ"),
    ("corridor_share_china_europe", "middle_corridor", "China->Europe share, Middle Corridor"),
    ("corridor_share_china_europe", "trans_siberian", "China->Europe share, Trans-Siberian"),
    ("caspian_teu", "all", "TEU shipped across the Caspian"),
    ("transit_time_days_mean", "northern", "transit time, northern route (days)"),
    ("transit_time_days_mean", "middle_corridor", "transit time, Middle Corridor (days)"),
    ("origin_wait_days_mean", "middle_corridor", "  of which waiting at the origin (days)"),
    ("transit_time_days_mean", "trans_siberian", "transit time, trans-Siberian (days)"),
    ("transit_time_days_mean", "north_south", "transit time, North-South (days)"),
    ("transit_time_days_mean", "central_asia", "transit time, to Central Asia (days)"),
]

COMPARE_HEADLINE = [
    ("transit_containers_china_central_asia", "all"), ("kz_share_china_europe_land", "all"),
    ("corridor_share_china_europe", "middle_corridor"), ("caspian_teu", "all"),
    ("caspian_teu", "aktau"), ("caspian_teu", "kuryk"),
    ("transit_time_days_mean", "northern"), ("transit_time_days_mean", "middle_corridor"),
    ("transit_time_days_mean", "middle_corridor_aktau"),
    ("transit_time_days_mean", "middle_corridor_kuryk"),
    # what a transit time leaves out: boxes held at their origin, lost to the sea, sent
    # another way (a closure's first effects; a run without acceptance limits has none)
    ("containers_held", "all"), ("containers_lost", "all"), ("containers_diverted", "all"),
]

# volumes with background traffic at the ports and on the ships, shown after the headline
# where a run has them: the total KPI, its background part, and a label (the lines' trains,
# a row per line and direction, are too many for a summary: kpis.csv has them)
TOTALS = [
    ("port_teu_total", "port_teu_background", "port TEU"),
    ("port_tonnes_total", "port_tonnes_background", "port tonnes"),
    ("service_teu_total", "service_teu_background", "sea TEU"),
    ("ferry_railcars_total", "ferry_railcars_background", "ferry railcars"),
    ("service_tonnes_total", "service_tonnes_background", "sea tonnes"),
]
# of the services' volumes, the scopes shown: both directions of a service, and the lines
# between two countries (scope AA-BB)
TOTALS_SERVICE_SCOPES = (":both", "-")
