"""The path-size term of the rail nest: routes that share most of their track are not
separate alternatives (pure arithmetic on the network; no SimPy).

A flow's rail routes overlap: every westbound route through Kazakhstan runs the same
line from its crossing to Europe, and a new crossing beside Dostyk (Bakhty) shares all
but a few hundred kilometres with Dostyk's route. In a flat logit nest each route adds
its own weight to the nest's inclusive value, so opening a route that duplicates one
already there raises the nest's (here: rail's) share as if a new way to Europe had
appeared. The path-size logit (Ben-Akiva and Bierlaire 1999) corrects each route's
utility by ``ln PS_r`` with

    PS_r = sum over the route's segments a of (l_a / L_r) / N_a,

``l_a`` the segment's length, ``L_r`` the route's, ``N_a`` the number of routes on offer
that use segment ``a``. A route sharing nothing has PS 1 (no correction); k routes that
share everything have PS 1/k each. Entered within the rail nest with coefficient ``mu``
(the nest scale, ``route_choice.path_size = true``), k identical routes then have the
inclusive value of one: a new route adds to rail what is new about it (its time, cost and
own track), not a copy of its twin's attractiveness. A segment is a pair of consecutive
nodes of the flow's path (:func:`sim.scenario.network.flow_path`): a rail link's length,
or for a sea passage the great-circle distance between its ports. A segment with an end
in a region of ``route_choice.path_size_skips`` is left out: the model draws such a
region's network as one link per origin and crossing (China's: Xi'an -> Dostyk and Xi'an
-> Bakhty are two links though the trains share the Lanzhou-Urumqi line to near the
border), so its links would make routes look apart that are not.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.network import flow_path, link_index
from sim.scenario.schema import Scenario

EARTH_KM = 6371.0


def _great_circle_km(s: Scenario, a: str, b: str) -> float:
    na, nb = s.nodes[a], s.nodes[b]
    p1, p2 = math.radians(na.lat), math.radians(nb.lat)
    dl = math.radians(nb.lon - na.lon)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_KM * math.acos(max(-1.0, min(1.0, c)))


class PathSize:
    """The path-size terms of flow ``fid``'s rail routes (``demand.flows.X.routes`` order)
    for any set of routes on offer.

    Attributes
    ----------
    weight : array (routes, segments)
        ``l_a / L_r`` where route r uses segment a, else 0.
    """

    def __init__(self, s: Scenario, fid: str):
        flow = s.demand.flows[fid]
        links = link_index(s)
        skip = set(s.route_choice.path_size_skips)
        segments: dict[frozenset[str], float] = {}
        used: list[list[frozenset[str]]] = []
        for rid in flow.routes:
            path = flow_path(s, flow.origin, flow.destination, rid, links)
            mine = []
            for a, b in zip(path, path[1:]):
                if s.nodes[a].region in skip or s.nodes[b].region in skip:
                    continue  # an abstracted network says nothing of the overlap
                key = frozenset((a, b))
                if key not in segments:
                    lid = links.get(key)  # a rail link's id, or a vessel service's
                    segments[key] = (s.links[lid].length_km if lid in s.links
                                     else _great_circle_km(s, a, b))
                mine.append(key)
            used.append(mine)
        order = list(segments)
        length = np.array([segments[k] for k in order])
        inc = np.zeros((len(used), len(order)))
        for r, mine in enumerate(used):
            inc[r, [order.index(k) for k in mine]] = 1.0
        total = (inc * length).sum(axis=1, keepdims=True)
        # a route with no segment counted (all in a skipped region) stands alone: PS 1
        self._alone = total[:, 0] <= 0
        self.weight = inc * length / np.where(total > 0, total, 1.0)
        self._uses = inc > 0
        self._cache: dict[bytes, np.ndarray] = {}

    def ln_ps(self, offered: np.ndarray | None = None) -> np.ndarray:
        """``ln PS_r`` of each route with the routes of the mask ``offered`` on offer (None:
        all); 0 for a route not on offer."""
        mask = np.ones(len(self.weight), bool) if offered is None else np.asarray(offered,
                                                                                  bool)
        key = mask.tobytes()
        got = self._cache.get(key)
        if got is None:
            n = self._uses[mask].sum(axis=0)  # routes on offer using each segment
            with np.errstate(divide="ignore"):
                ps = (self.weight / np.maximum(n, 1)).sum(axis=1)
            ps = np.where(self._alone, 1.0, ps)
            got = self._cache[key] = np.where(mask, np.log(ps), 0.0)
        return got
