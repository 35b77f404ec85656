"""The node-kind registry (sim.scenario.kinds): every row names things that exist (engine
class, KPIs, schema table), a row that names something missing fails loudly, the fields a
timeline may change come from the schema with the bounds they always had, and the
scenario layer and the map ask the registry instead of testing kind strings."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path
from typing import get_args

import pytest

from sim.engine.facilities.port import VesselService
from sim.engine.facilities.tanker import TankerLine
from sim.engine.facilities.transfer import TransferFacility
from sim.engine.kinds import engine_class, vessel_class
from sim.engine.model import Model
from sim.measure import kpis
from sim.measure.timeseries import daily
from sim.scenario import kind_fields, kinds
from sim.scenario.loading import load_scenario
from sim.scenario.problems import ConfigError
from sim.scenario.schema import Service, VesselKind
from sim.scenario.sea_traffic import UNIT_OF_FIELD
from sim.scenario.vessel_kinds import VESSEL_KINDS

from .conftest import HERE, ROOT

TOY_SEA = HERE / "scenarios" / "toy_sea.toml"


def resolve(dotted: str) -> object:
    """``"module:Class"`` -> the object (as the engine will resolve a row's class)."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


# the fields a timeline could change and their bounds, as checks.TIMELINE_FIELDS stated
# them by hand before the registry (low, high, whole numbers): written down once, here
BEFORE = {
    "links": {"train_paths_per_day": (0.0, 2000.0, False)},
    "nodes": {"crossing.cranes": (1, 200, True), "crossing.receiving_tracks": (1, 200, True),
              "crossing.crane_moves_per_h": (0.0, 500.0, False),
              "crossing.yard_capacity_teu": (0.0, 1e7, False),
              "port.cranes": (1, 200, True), "port.receiving_tracks": (1, 200, True),
              "port.crane_moves_per_h": (0.0, 500.0, False), "port.berths": (1, 50, True),
              "port.yard_capacity_teu": (0.0, 1e7, False)},
    "services": {"fleet": (0, 200, True)},
}


def test_every_engine_class_resolves_to_a_class():
    named = {k.name: k.engine for k in kinds.NODE_KINDS.values() if k.engine is not None}
    assert set(named) == {"border", "port", "dry_port"}
    for name, dotted in named.items():
        assert isinstance(resolve(dotted), type), name


def test_every_kpi_of_a_kind_is_in_the_catalogue():
    for k in kinds.NODE_KINDS.values():
        assert set(k.kpis) <= set(kpis.KPIS), k.name
    assert set(kinds.CLOSURE_KPIS) == kpis.RESILIENCE


def test_the_registry_names_nothing_missing():
    assert kinds.registry_problems(kpis.KPIS, resolve) == []
    assert kind_fields.schema_problems() == []


def _fake(**fields) -> kinds.Kind:
    row = dict(name="river_port", label="river port", plural="river ports",
               section="river_port", section_noun="river port table", section_help="",
               engine="sim.engine.facilities.river_port:RiverPort",
               kpis=("river_port_dwell_hours_mean",), series=(),
               symbol=kinds.Symbol("D", 28, "black", 7),
               closable=True, transfers_boxes=True)
    return kinds.Kind(**{**row, **fields})


def test_a_kind_without_its_engine_class_or_kpis_fails_loudly(monkeypatch):
    monkeypatch.setitem(kinds.NODE_KINDS, "river_port", _fake())
    problems = kinds.registry_problems(kpis.KPIS, resolve)
    assert problems == [
        "kind 'river_port': engine class sim.engine.facilities.river_port:RiverPort not "
        "found (No module named 'sim.engine.facilities.river_port')",
        "kind 'river_port': KPIs not in the catalogue: river_port_dwell_hours_mean"]
    assert kind_fields.schema_problems() == [
        "kind 'river_port': not a NodeKind of the schema",
        "kind 'river_port': Node has no table 'river_port'"]


@pytest.mark.parametrize("fields, problem", [
    ({"engine": "sim.engine.facilities.border:NoSuchClass"},
     "kind 'river_port': engine class sim.engine.facilities.border:NoSuchClass not found "
     "(module 'sim.engine.facilities.border' has no attribute 'NoSuchClass')"),
    ({"engine": "sim.engine.facilities.disruptions:merge"},
     "kind 'river_port': engine sim.engine.facilities.disruptions:merge is not a class"),
    ({"engine": None}, "kind 'river_port': a kind with a table needs an engine class"),
    ({"engine": "sim.engine.facilities.port:PortFacility"}, None),
])
def test_each_missing_part_of_a_row_is_named(monkeypatch, fields, problem):
    row = _fake(kpis=("port_dwell_hours_mean",), **fields)  # KPIs that exist
    monkeypatch.setitem(kinds.NODE_KINDS, "river_port", row)
    assert kinds.registry_problems(kpis.KPIS, resolve) == ([problem] if problem else [])


def test_a_kind_missing_from_the_registry_is_named(monkeypatch):
    monkeypatch.delitem(kinds.NODE_KINDS, "junction")
    assert kind_fields.schema_problems() == [
        "kind 'junction': not a row of the registry (sim.scenario.kinds)"]


def test_timeline_fields_and_bounds_come_from_the_schema_unchanged():
    got = kind_fields.timeline_fields()
    # the kinds added since: a dry port's rail side changes as a crossing's does
    added = {f"dry_port.{f}": BEFORE["nodes"][f"crossing.{f}"] for f in (
        "receiving_tracks", "cranes", "crane_moves_per_h", "yard_capacity_teu")}
    # and a fleet shared by several services changes its ships (sim.scenario.fleets)
    fleets = {"ships": kind_fields.Bounds(0, 500, True)}
    # and a crossing's daily handover caps (sim.scenario.handover)
    added |= {f"crossing.handover_{g}_gauge_trains_per_day": kind_fields.Bounds(1, 200, True)
              for g in ("standard", "broad")}
    # and a pool of flat wagons its wagons (sim.scenario.wagons)
    wagons = {"wagons": kind_fields.Bounds(1, 200_000, True)}
    # and a transfer facility's acceptance limit (sim.scenario.acceptance)
    added |= {f"{k}.acceptance_limit_teu": kind_fields.Bounds(0, 10_000_000, False)
              for k in ("crossing", "port", "dry_port")}
    assert got == {**BEFORE, "nodes": {**BEFORE["nodes"], **added}, "fleets": fleets,
                   "wagon_pools": wagons}
    assert all(isinstance(b, kind_fields.Bounds) for t in got.values() for b in t.values())
    assert kind_fields.kind_fields(kinds.NODE_KINDS["terminal"]) == {}
    assert list(kind_fields.kind_fields(kinds.NODE_KINDS["port"])) == [
        "acceptance_limit_teu", "receiving_tracks", "cranes", "crane_moves_per_h",
        "yard_capacity_teu", "berths"]


def test_a_field_marked_without_usable_bounds_is_refused():
    from pydantic import BaseModel, Field

    from sim.scenario.schema import during_run

    class Loose(BaseModel):
        rate: float = Field(ge=0, le=5, json_schema_extra=during_run())

    with pytest.raises(TypeError, match="Loose.rate: a real-valued field"):
        kind_fields.changeable(Loose)


@pytest.fixture(scope="module")
def closed_sea_run():
    """The toy sea corridor with its crossing and a port closed for a while."""
    s = load_scenario(TOY_SEA, overrides={"timeline": [
        {"date": "2024-01-20", "close": "gate", "days": 2},
        {"date": "2024-01-25", "close": "east", "days": 2}]})
    return s, Model(s).run()


def test_what_each_kind_yields_is_in_its_row(closed_sea_run):
    """The KPIs scoped to a node are those its kind's row names (and the closure KPIs for
    a closable kind that closed); every KPI a present kind names is yielded."""
    s, out = closed_sea_run
    k = kpis.compute(out)
    by_scope: dict[str, set[str]] = {}
    for name, _period, scope in k:
        by_scope.setdefault(scope, set()).add(name)
    seen: dict[str, set[str]] = {}
    for nid, node in s.nodes.items():
        row = kinds.kind_of(node)
        names = by_scope.get(nid, set())
        declared = set(row.kpis) | (set(kinds.CLOSURE_KPIS) if row.closable else set())
        assert names <= declared, nid
        seen.setdefault(row.name, set()).update(names)
    for name in ("border", "port"):
        row = kinds.NODE_KINDS[name]
        assert seen[name] == set(row.kpis) | set(kinds.CLOSURE_KPIS), name
    assert seen["terminal"] == set()


def test_each_kind_has_the_daily_series_its_row_names(closed_sea_run):
    s, out = closed_sea_run
    ts = daily(out)
    for nid, node in s.nodes.items():
        row = kinds.kind_of(node)
        mine = ts[ts["facility"] == nid]
        assert sorted(set(mine["metric"])) == sorted(row.series), nid
        assert set(mine["kind"]) == ({row.section} if row.series else set()), nid


def test_a_table_missing_on_a_flow_path_is_reported_not_a_crash(tmp_path):
    text = (HERE / "scenarios" / "toy.toml").read_text()
    start = text.index("[nodes.gate.crossing]")
    end = text.index("[nodes.omega]")
    (tmp_path / "bare.toml").write_text(text[:start] + text[end:])
    with pytest.raises(ConfigError) as e:
        load_scenario(tmp_path / "bare.toml")
    assert str(e.value).endswith(
        "bare.toml: nodes.gate.crossing: a border node needs a [crossing] table")
    assert len(e.value.problems) == 1


# a node kind named in quotes beside a comparison of a kind: what the registry replaces
# (and a vessel kind: sim.scenario.vessel_kinds)
KIND_TEST = re.compile(r"""kind\W*(==|!=|\bin\b|\bnot in\b)[^\n]*["'](border|port|terminal|"""
                       r"""junction|ferry|feeder|tanker)["']""")
REGISTRIES = ("sim/scenario/kinds.py", "sim/scenario/vessel_kinds.py")


@pytest.mark.parametrize("path", sorted(
    p.relative_to(ROOT).as_posix() for p in (ROOT / "sim").rglob("*.py")
    if p.relative_to(ROOT).as_posix() not in REGISTRIES))
def test_no_kind_string_tests_outside_the_registry(path):
    """Anywhere in the package (engine, measures, figures, ...), only the registry names
    the kinds; everything else asks a row."""
    text = Path(ROOT / path).read_text(encoding="utf-8")
    assert not [m.group(0) for m in KIND_TEST.finditer(text)]


def test_the_grep_sees_a_kind_string_test():
    assert KIND_TEST.search('if node.kind == "border":')
    assert KIND_TEST.search('return TankerLine if cfg.kind == "tanker" else VesselService')
    assert KIND_TEST.search("if n.kind in ('port', 'terminal'):")
    assert not KIND_TEST.search("if kind_of(node).joins_gauges:")


def test_every_kpi_a_row_names_is_yielded_by_the_measures():
    assert kpis.kind_kpi_problems() == []


def test_a_row_naming_kpis_the_measures_do_not_yield_fails_loudly(monkeypatch, closed_sea_run):
    """A port row naming a crossing's KPI (its stays are not stamped as a crossing's): the
    registry check names it, and computing the KPIs of a run with such a node refuses."""
    port = kinds.NODE_KINDS["port"]
    wrong = dataclasses.replace(port, kpis=(*port.kpis, "trains_by_crossing"))
    monkeypatch.setitem(kinds.NODE_KINDS, "port", wrong)
    assert kpis.kind_kpi_problems() == [
        "kind 'port': the measures yield no trains_by_crossing for its nodes"]
    _s, out = closed_sea_run
    with pytest.raises(ValueError, match="kind 'port': the measures yield no "
                                         "trains_by_crossing"):
        kpis.compute(out)


def test_a_row_naming_a_series_the_measures_do_not_yield_fails_loudly(monkeypatch,
                                                                       closed_sea_run):
    port = kinds.NODE_KINDS["port"]
    monkeypatch.setitem(kinds.NODE_KINDS, "port",
                        dataclasses.replace(port, series=(*port.series, "queue_trains")))
    _s, out = closed_sea_run
    with pytest.raises(ValueError, match="kind 'port': the measures yield no daily "
                                         "queue_trains"):
        daily(out)


# what a transfer facility's subclass may define again: the hooks its base lists
HOOKS = {"__init__", "outbound_train_boxes", "closure_actions", "change", "_more_visits",
         "_departures", "_releases", "handover"}


@pytest.mark.parametrize("name", sorted(k.name for k in kinds.NODE_KINDS.values()
                                        if k.engine is not None))
def test_an_engine_class_redefines_only_the_hooks_of_its_base(name):
    """Every kind's engine class is a TransferFacility whose own methods that share a name
    with the base's are the hooks the base documents (none changes a method's meaning)."""
    cls = engine_class(kinds.NODE_KINDS[name].engine)
    assert issubclass(cls, TransferFacility)
    # every name the base defines (methods, properties, attributes), but what a class
    # always has and the ``table`` each kind names
    own = {"__doc__", "__module__", "__qualname__", "__dict__", "__weakref__",
           "__annotations__", "__firstlineno__", "__static_attributes__", "table"}
    base = set(vars(TransferFacility)) - own
    mine = {n for c in cls.__mro__[:cls.__mro__.index(TransferFacility)] for n in vars(c)}
    assert mine & base <= HOOKS, mine & base - HOOKS
    for hook in HOOKS - {"__init__"}:
        assert f":meth:`{hook}`" in (TransferFacility.__doc__ or ""), hook


def test_the_vessel_kinds_are_the_schemas_and_each_names_its_engine_class():
    assert set(get_args(VesselKind)) == set(VESSEL_KINDS)
    for name, k in VESSEL_KINDS.items():
        assert issubclass(vessel_class(name), VesselService)
        assert {k.capacity_field, k.rate_field} <= set(Service.model_fields), name
        assert set(k.background_units) <= set(UNIT_OF_FIELD.values()), name
    assert vessel_class("tanker") is TankerLine


def test_a_vessel_kind_without_its_engine_class_fails_loudly(monkeypatch):
    vessel_class.cache_clear()
    broken = dataclasses.replace(VESSEL_KINDS["feeder"], engine="sim.engine.facilities.port:Nope")
    monkeypatch.setitem(VESSEL_KINDS, "feeder", broken)
    with pytest.raises(AttributeError, match="Nope"):
        vessel_class("feeder")
    vessel_class.cache_clear()
