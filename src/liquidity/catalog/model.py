"""What a loaded catalog holds: series (a registry ``SeriesSpec`` each) and formulas."""

from __future__ import annotations

from dataclasses import dataclass, field

from liquidity.catalog.formula import Evaluator, Node
from liquidity.registry.spec import SeriesSpec
from liquidity.registry.units import Measure, Unit


@dataclass(frozen=True, slots=True)
class SeriesEntry:
    spec: SeriesSpec
    origin: str  # "package" or the user file's path
    unit_from: str = "catalog"  # or "FRED": a keyed FRED entry without unit = takes FRED's


@dataclass(frozen=True, slots=True)
class DerivedEntry:
    id: str
    title: str
    formula: str
    tree: Node
    operands: tuple[str, ...]  # the ids the formula reads, in order
    dates: str | None  # one row per date of this operand; None: dates common to all
    computed: Measure  # the unit the formula evaluates in
    unit: Unit  # the declared unit (default: the first operand's)
    evaluate: Evaluator = field(compare=False, repr=False)
    origin: str = "package"
    # Per operand, the factor to the formula's common scale (its first operand's of that
    # dimension): components are shown so, e.g. RRPONTSYD in USD millions beside WALCL.
    scales: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def factor(self) -> float:
        """Multiply a computed value by this to express it in ``unit``."""
        if not self.computed.dimension:
            return 1.0
        return float(self.computed.scale / self.unit.scale)


@dataclass(frozen=True, slots=True)
class Catalog:
    series: dict[str, SeriesEntry]
    derived: dict[str, DerivedEntry]

    def unit(self, entry_id: str) -> Unit:
        if entry_id in self.series:
            return self.series[entry_id].spec.unit
        return self.derived[entry_id].unit

    def origin(self, entry_id: str) -> str:
        if entry_id in self.series:
            return self.series[entry_id].origin
        return self.derived[entry_id].origin

    def ids(self) -> list[str]:
        return [*self.series, *self.derived]

    def find(self, entry_id: str) -> str:
        """The id of the entry named ``entry_id`` (any case); ConfigError if none."""
        from liquidity.errors import ConfigError

        found = entry_id.upper()
        if found not in self.series and found not in self.derived:
            known = ", ".join(self.ids())
            raise ConfigError(f"unknown series {entry_id!r}; known: {known}")
        return found

    def title(self, entry_id: str) -> str:
        if entry_id in self.series:
            return self.series[entry_id].spec.title
        return self.derived[entry_id].title
