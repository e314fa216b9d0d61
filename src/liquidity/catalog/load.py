"""Load, merge and validate catalogs: every problem found, one line each.

The packaged ``default.toml`` comes first; a user file adds entries or replaces them by
id (the whole entry). Problems are collected rather than raised one at a time, so that
``liquidity catalog check`` reports them all; ``load_catalog`` raises one
:class:`ConfigError` whose message has one line per problem.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import liquidity.registry.releases as releases
from liquidity.catalog import formula
from liquidity.catalog.model import Catalog, DerivedEntry, SeriesEntry
from liquidity.errors import ConfigError, UnitError
from liquidity.registry.spec import SOURCES, SeriesSpec
from liquidity.registry.units import Measure, Unit, parse_unit_label

PACKAGE = "package"
DECLARED, FRED_UNIT = "catalog", "FRED"  # where a series' unit came from
UNASKED = "unit: FRED's unit was not asked for"  # fred_units lacks a keyed FRED entry's
ENV = "LIQUIDITY_CATALOG"
SERIES_KEYS = frozenset(
    {
        "source",
        "symbol",
        "title",
        "unit",
        "frequency",
        "release",
        "fred_release",
        "stale_after_days",
        "quantity",
    }
)
DERIVED_KEYS = frozenset({"formula", "dates", "unit", "title"})
FREQUENCIES = ("daily", "weekly", "monthly")
STALE_DAYS = {"weekly": 8, "daily": 4, "monthly": 40}

Raw = dict[str, tuple[dict[str, Any], str]]  # id -> (table, origin)


def user_catalog_path(environ: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """The user's catalog and whether it was asked for explicitly (``LIQUIDITY_CATALOG``):
    an explicit file must exist, the default one (``$XDG_CONFIG_HOME/liquidity/
    catalog.toml``) may not."""
    env = os.environ if environ is None else environ
    if env.get(ENV):
        return Path(env[ENV]).expanduser(), True
    home = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "liquidity" / "catalog.toml", False


def default_catalog() -> Catalog:
    return load_catalog(None, keyed=True)


def load_catalog(
    user: Path | None,
    *,
    keyed: bool,
    required: bool = False,
    fred_units: Mapping[str, str] | None = None,
) -> Catalog:
    """The packaged catalog merged with ``user`` (skipped when absent, unless
    ``required``); :class:`ConfigError` with one line per problem. ``fred_units``: FRED's
    ``units`` text by symbol, the unit of a keyed FRED entry that declares none."""
    catalog, problems = _build(user, keyed=keyed, required=required, fred_units=fred_units)
    if problems:
        raise ConfigError("\n".join(problems))
    return catalog


def check_file(
    path: Path, *, keyed: bool, fred_units: Mapping[str, str] | None = None
) -> list[str]:
    """Every problem of ``path`` merged over the packaged catalog (empty: valid)."""
    return _build(path, keyed=keyed, required=True, fred_units=fred_units)[1]


def units_from_fred(user: Path | None, *, required: bool = False) -> dict[str, str]:
    """The FRED entries (merged, as ``load_catalog`` would) that declare no unit: where
    each is defined (``FILE: series.ID``, for errors) -> its FRED symbol. Only the TOML
    is read: the composition root asks FRED (or its cache) for just these. A file that
    does not parse needs nothing here; loading it reports why."""
    series, _ = _merged(user, required, [])
    return {
        _where(origin, "series", sid): str(table.get("symbol", sid))
        for sid, (table, origin) in series.items()
        if table.get("source") == "fred" and "unit" not in table
    }


def _merged(user: Path | None, required: bool, problems: list[str]) -> tuple[Raw, Raw]:
    """The packaged tables, then the user's: a user id replaces either kind."""
    text = resources.files("liquidity.catalog").joinpath("default.toml").read_text("utf-8")
    series, derived = _tables(tomllib.loads(text), PACKAGE, problems)
    if user is not None and (required or user.exists()):
        doc = _read(user, problems)
        user_series, user_derived = _tables(doc, str(user), problems)
        for entry_id in [*user_series, *user_derived]:
            series.pop(entry_id, None)
            derived.pop(entry_id, None)
        series.update(user_series)
        derived.update(user_derived)
    return series, derived


def _build(
    user: Path | None, *, keyed: bool, required: bool, fred_units: Mapping[str, str] | None
) -> tuple[Catalog, list[str]]:
    problems: list[str] = []
    series, derived = _merged(user, required, problems)
    units = fred_units or {}
    specs = {
        sid: entry
        for sid, (table, origin) in series.items()
        if (entry := _series(sid, table, origin, keyed, units, problems)) is not None
    }
    formulas = _derived(derived, specs, set(series), problems)
    return Catalog(specs, formulas), problems


def _read(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not TOML: {exc}")
    return {}


def _tables(doc: dict[str, Any], origin: str, problems: list[str]) -> tuple[Raw, Raw]:
    for key in doc:
        if key not in ("series", "derived"):
            problems.append(f"{origin}: unknown table [{key}] (known: [series.ID], [derived.ID])")
    out: list[Raw] = []
    for kind in ("series", "derived"):
        tables = doc.get(kind, {})
        raw: Raw = {}
        for entry_id, table in tables.items() if isinstance(tables, dict) else ():
            if not isinstance(table, dict):
                problems.append(f"{origin}: {kind}.{entry_id}: not a table")
            elif not entry_id.isidentifier() or entry_id.upper() != entry_id:
                problems.append(f"{origin}: {kind}.{entry_id}: ids are upper case, A-Z 0-9 _")
            else:
                raw[entry_id] = (table, origin)
        out.append(raw)
    return out[0], out[1]


def _where(origin: str, kind: str, entry_id: str) -> str:
    return f"{origin}: {kind}.{entry_id}"


def _series(
    sid: str,
    table: dict[str, Any],
    origin: str,
    keyed: bool,
    fred_units: Mapping[str, str],
    problems: list[str],
) -> SeriesEntry | None:
    where, before = _where(origin, "series", sid), len(problems)
    for key in sorted(set(table) - SERIES_KEYS):
        problems.append(f"{where}: unknown key {key!r}")
    source = table.get("source")
    if source not in SOURCES:
        problems.append(f"{where}: source {source!r} is not one of {', '.join(SOURCES)}")
    frequency = str(table.get("frequency", "daily"))
    if frequency not in FREQUENCIES:
        problems.append(f"{where}: frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    symbol = str(table.get("symbol", sid))
    unit = _series_unit(table, source, keyed, fred_units.get(symbol), where, problems)
    release = _release(table.get("release"), where, problems)
    fred_release = table.get("fred_release")
    if fred_release is not None and not isinstance(fred_release, int):
        problems.append(f"{where}: fred_release must be FRED's numeric release_id")
    stale = table.get("stale_after_days", STALE_DAYS.get(frequency, 4))
    quantity = table.get("quantity")
    if quantity is not None and not isinstance(quantity, str):
        problems.append(f"{where}: quantity must be a name (text) shared by entries of one thing")
    if len(problems) > before or unit is None or release is None:
        return None
    spec = SeriesSpec(
        sid,
        str(source),
        symbol,
        str(table.get("title", sid)),
        unit,
        frequency,
        release,
        timedelta(days=stale),
        fred_release,
        quantity,
    )
    return SeriesEntry(spec, origin, FRED_UNIT if "unit" not in table else DECLARED)


def _series_unit(
    table: dict[str, Any],
    source: object,
    keyed: bool,
    fred_text: str | None,
    where: str,
    problems: list[str],
) -> Unit | None:
    text = table.get("unit")
    if text is not None:
        try:
            return parse_unit_label(str(text))
        except UnitError as exc:
            problems.append(f"{where}: {exc}")
            return None
    if source != "fred":
        problems.append(f"{where}: unit: required (only FRED's metadata names a unit)")
    elif not keyed:
        problems.append(f"{where}: unit: required without a FRED API key")
    elif fred_text is None:  # the composition root asks FRED before loading: a bug if seen
        problems.append(f"{where}: {UNASKED}")
    else:
        try:
            return parse_unit_label(fred_text)
        except UnitError as exc:  # e.g. "Thousands of Dollars": no registry unit
            problems.append(f"{where}: unit from FRED's metadata: {exc}; declare one (unit =)")
    return None


def _release(name: object, where: str, problems: list[str]) -> releases.Release | None:
    if name is None:
        return releases.UNSCHEDULED
    if name not in releases.RELEASES:
        known = ", ".join(repr(n) for n in releases.RELEASES)
        problems.append(f"{where}: release {name!r} is not a known calendar ({known})")
        return None
    return releases.RELEASES[str(name)]


def _derived(
    raw: Raw, specs: Mapping[str, SeriesEntry], declared: set[str], problems: list[str]
) -> dict[str, DerivedEntry]:
    """Formulas over ``specs``; a series ``declared`` but refused is reported once, as
    itself, not again as an unknown name of every formula reading it."""
    trees: dict[str, formula.Node] = {}
    for did, (table, origin) in raw.items():
        where = _where(origin, "derived", did)
        for key in sorted(set(table) - DERIVED_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        try:
            trees[did] = formula.parse(str(table.get("formula", "")))
        except formula.FormulaError as exc:
            problems.append(f"{where}: {exc}")
            continue
        for name in formula.names(trees[did]):
            if name not in declared and name not in raw:
                problems.append(f"{where}: formula names unknown series {name!r}")
    order = _topological(trees, raw, problems)
    units: dict[str, Measure] = {sid: e.spec.unit.value for sid, e in specs.items()}
    out: dict[str, DerivedEntry] = {}
    for did in order:
        table, origin = raw[did]
        entry = _entry(did, table, origin, trees[did], units, problems)
        if entry is not None:
            out[did] = entry
            units[did] = entry.unit.value
    return out


def _topological(trees: dict[str, formula.Node], raw: Raw, problems: list[str]) -> list[str]:
    """Derived ids, each after the derived ids it reads; a cycle is reported once."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(did: str, path: list[str]) -> bool:
        if state.get(did) == "done":
            return True
        if state.get(did) == "open":
            cycle = " -> ".join([*path[path.index(did) :], did])
            origin = raw[did][1]
            problems.append(f"{_where(origin, 'derived', did)}: cycle of derived series: {cycle}")
            return False
        state[did] = "open"
        fine = all(visit(n, [*path, did]) for n in formula.names(trees[did]) if n in trees)
        state[did] = "done"
        if fine:
            order.append(did)
        return fine

    for did in trees:
        visit(did, [])
    return order


def _entry(
    did: str,
    table: dict[str, Any],
    origin: str,
    tree: formula.Node,
    units: Mapping[str, Measure],
    problems: list[str],
) -> DerivedEntry | None:
    where = _where(origin, "derived", did)
    operands = tuple(formula.names(tree))
    if any(name not in units for name in operands):
        return None  # an unknown or refused operand: reported already
    if not operands:
        problems.append(f"{where}: formula reads no series")
        return None
    try:
        computed = formula.measure(tree, units)
        declared = _declared_unit(table, computed, units[operands[0]])
    except (formula.FormulaError, UnitError) as exc:
        problems.append(f"{where}: {exc}")
        return None
    dates = table.get("dates")
    if dates is not None and dates not in operands:
        problems.append(f"{where}: dates {dates!r} is not an operand of the formula")
        return None
    return DerivedEntry(
        did,
        str(table.get("title", did)),
        str(table["formula"]),
        tree,
        operands,
        None if dates is None else str(dates),
        computed,
        declared,
        formula.compile_formula(tree, units),
        origin,
        _scales(tree, units),
    )


def _scales(tree: formula.Node, units: Mapping[str, Measure]) -> dict[str, float]:
    from liquidity.registry.units import factor

    common = formula.common_scales(tree, units)
    return {name: factor(units[name], common[name]) for name in common}


def _declared_unit(table: dict[str, Any], computed: Measure, first: Measure) -> Unit:
    from liquidity.registry.units import unit_of

    if "unit" not in table:
        if not computed.dimension:
            raise UnitError("unit: required (the formula gives a pure number)")
        found = unit_of(computed) or unit_of(first)
        if found is None or (computed.dimension and found.value.dimension != computed.dimension):
            raise UnitError("unit: required (the formula's unit has no name)")
        return found
    declared = parse_unit_label(str(table["unit"]))
    if computed.dimension and declared.dimension != computed.dimension:
        raise UnitError(
            f"unit {table['unit']!r} is {declared.dimension}, "
            f"the formula gives {computed.dimension}"
        )
    return declared
