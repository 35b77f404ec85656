"""What a box pays and emits on its way: the scenario's ``[costs]`` table (optional; none:
no cost or CO2e KPIs and every result as without it).

Money is in US dollars per FEU (a 40 ft box; a 20 ft box pays half: every charge scales
with the box's TEU / 2). Emissions are well-to-wheel CO2e (ISO 14083 / GLEC Framework
convention), per tonne-km of cargo (the box's TEU x its flow's ``tonnes_per_teu``) or,
for vessels given per TEU-km, per TEU-km. What a box pays and emits on a path:

* rail: the km of each rail link in each country (a link joining two countries belongs
  to the side that is not a border node, or is split by ``links.ID.country_shares``),
  times the country's rate per FEU-km and its intensity per tonne-km
  (:class:`RailCountry`: given, or electric share x energy x grid + the rest x diesel);
* a charge per FEU at every border crossing (gauge change) on the path, and at every
  port where the box goes on or comes off a vessel (handling, port dues);
* the vessel freight per FEU of every sea passage, and its CO2e over the service's sea
  distance (:class:`VesselCosts`).

Rates may change by calendar year (``..._by_year``: the value from that year on, until
the next year given; before the first year given, the undated value). A box pays the
rates of the year it leaves its origin. The computation is
:mod:`sim.scenario.leg_costs`; the cross-field rules are
:mod:`sim.scenario.checks.costs`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.basics import Strict

Year = Annotated[int, Field(ge=1990, le=2100)]
Usd = Annotated[float, Field(ge=0, le=1_000_000)]


def in_year(value: float, by_year: dict[int, float], year: int) -> float:
    """The value that holds in ``year``: that of the latest year given in ``by_year`` at
    or before it, else the undated ``value``."""
    given = [y for y in by_year if y <= year]
    return by_year[max(given)] if given else value


class RailCountry(Strict):
    """Rail in one country (ISO 3166 alpha-2 code as the nodes' ``country``): its rate
    per FEU-km and its CO2e per tonne-km, given (``co2e_g_per_tkm``) or computed from
    the traction mix: ``electric_share`` x ``kwh_per_tkm`` x ``grid_g_per_kwh`` +
    (1 - ``electric_share``) x ``diesel_g_per_tkm``."""

    usd_per_feu_km: float = Field(ge=0, le=100, description="rail tariff, USD per FEU "
                                  "and km")
    usd_per_feu_km_by_year: dict[Year, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="calendar year -> rate from that year on, USD "
        "per FEU-km (a box pays the rate of the year it leaves its origin)")
    co2e_g_per_tkm: float | None = Field(None, ge=0, le=1000, description="CO2e per "
                                         "tonne-km of cargo, grams (instead of the "
                                         "traction mix)")
    electric_share: float | None = Field(None, ge=0, le=1, description="share of the "
                                         "tonne-km hauled by electric traction")
    kwh_per_tkm: float | None = Field(None, ge=0, le=1, description="electric traction: "
                                      "energy per tonne-km of cargo, kWh")
    grid_g_per_kwh: float | None = Field(None, ge=0, le=2000, description="electric "
                                         "traction: CO2e of the grid, grams per kWh")
    diesel_g_per_tkm: float | None = Field(None, ge=0, le=1000, description="diesel "
                                           "traction: CO2e per tonne-km of cargo, grams "
                                           "(well-to-wheel)")
    source: str | None = None

    @model_validator(mode="after")
    def _intensity(self):
        mix = {"electric_share": self.electric_share, "kwh_per_tkm": self.kwh_per_tkm,
               "grid_g_per_kwh": self.grid_g_per_kwh,
               "diesel_g_per_tkm": self.diesel_g_per_tkm}
        given = [k for k, v in mix.items() if v is not None]
        if self.co2e_g_per_tkm is not None:
            if given:
                raise ValueError("give co2e_g_per_tkm or the traction mix, not both "
                                 f"(drop {', '.join(given)})")
            return self
        if self.electric_share is None:
            raise ValueError("give co2e_g_per_tkm (grams per tonne-km), or "
                             "electric_share with what each traction needs")
        need = (["kwh_per_tkm", "grid_g_per_kwh"] if self.electric_share > 0 else []) + (
            ["diesel_g_per_tkm"] if self.electric_share < 1 else [])
        missing = [k for k in need if mix[k] is None]
        if missing:
            raise ValueError(f"electric_share {self.electric_share:g} needs "
                             f"{' and '.join(missing)}")
        return self

    def g_per_tkm(self) -> float:
        """CO2e per tonne-km of cargo, grams."""
        if self.co2e_g_per_tkm is not None:
            return self.co2e_g_per_tkm
        e = self.electric_share or 0.0
        electric = (self.kwh_per_tkm or 0.0) * (self.grid_g_per_kwh or 0.0)
        return e * electric + (1.0 - e) * (self.diesel_g_per_tkm or 0.0)

    def rate(self, year: int) -> float:
        """USD per FEU-km in ``year``."""
        return in_year(self.usd_per_feu_km, self.usd_per_feu_km_by_year, year)


class Charge(Strict):
    """A charge per FEU at a node (a border crossing's gauge change and border fees, or
    a port's handling and dues for a box going on or off a vessel there)."""

    usd_per_feu: Usd = Field(description="USD per FEU")
    usd_per_feu_by_year: dict[Year, Usd] = Field(default_factory=dict, description=(
        "calendar year -> charge from that year on, USD per FEU"))
    source: str | None = None

    def rate(self, year: int) -> float:
        """USD per FEU in ``year``."""
        return in_year(self.usd_per_feu, self.usd_per_feu_by_year, year)


class VesselCosts(Charge):
    """A vessel service's freight per FEU (a rail ferry's per railcar: one 40 ft or two
    20 ft boxes) and its CO2e over its sea distance, per TEU-km or per tonne-km (exactly
    one)."""

    distance_km: float = Field(gt=0, le=40_000, description="sea distance between the "
                               "two ports, km")
    co2e_g_per_teu_km: float | None = Field(None, ge=0, le=10_000, description="CO2e per "
                                            "TEU-km, grams (container-ship lane factors)")
    co2e_g_per_tkm: float | None = Field(None, ge=0, le=10_000, description="CO2e per "
                                         "tonne-km of cargo, grams")
    tare_t_per_feu: float = Field(0.0, ge=0, le=50, description="tonnes carried with each "
                                  "FEU besides its cargo and counted with co2e_g_per_tkm "
                                  "(a rail ferry's flat wagon)")

    @model_validator(mode="after")
    def _one_intensity(self):
        if (self.co2e_g_per_teu_km is None) == (self.co2e_g_per_tkm is None):
            raise ValueError("give exactly one of co2e_g_per_teu_km and co2e_g_per_tkm")
        if self.tare_t_per_feu and self.co2e_g_per_tkm is None:
            raise ValueError("tare_t_per_feu counts with co2e_g_per_tkm only")
        return self

    def kg_per_teu(self, tonnes_per_teu: float) -> float:
        """CO2e of one TEU of cargo ``tonnes_per_teu`` over the passage, kg."""
        if self.co2e_g_per_teu_km is not None:
            return self.co2e_g_per_teu_km * self.distance_km / 1000.0
        per_t = self.co2e_g_per_tkm or 0.0
        return per_t * (tonnes_per_teu + self.tare_t_per_feu / 2) * self.distance_km / 1000.0


class LinkCountries(Strict):
    """Where a rail link joining two countries runs."""

    country_shares: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")],
                         Annotated[float, Field(gt=0, le=1)]] = Field(
        min_length=1, description="country code -> share of the link's length_km in it "
        "(summing to 1)")
    source: str | None = None

    @model_validator(mode="after")
    def _sum(self):
        total = sum(self.country_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"country_shares must sum to 1 (they sum to {total:g})")
        return self


class Costs(Strict):
    """Tariffs and CO2e intensities by leg (see the module docstring)."""

    rail: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], RailCountry] = Field(
        min_length=1, description="country code -> its rail rate and CO2e")
    crossings: dict[str, Charge] = Field(default_factory=dict, description="border node "
                                         "id -> charge per FEU for passing it (gauge "
                                         "change, border fees)")
    ports: dict[str, Charge] = Field(default_factory=dict, description="port node id -> "
                                     "charge per FEU for a box going on or off a vessel "
                                     "there")
    services: dict[str, VesselCosts] = Field(default_factory=dict, description="vessel "
                                             "service id -> freight per FEU, sea distance "
                                             "and CO2e")
    links: dict[str, LinkCountries] = Field(default_factory=dict, description="link id "
                                            "-> the countries it runs in (for a link "
                                            "joining two countries)")
    source: str | None = None
