"""What the place report shows, read from the published marts.

Every figure comes from the marts as BI tools see them (``marts.*`` on either engine):
totals by year, theme and sector from ``fct_place_totals``; population, value per head
and deprivation from ``place_need``; value share against population share from
``need_distribution``; organisations and evidence from ``fct_social_value``; area
totals from ``area_totals``; committed against delivered from ``commitment_totals``.
The SQL is portable (DuckDB and PostgreSQL) and does the grouping; this module only
shapes rows for the pages. A :class:`Scope` is the whole warehouse (the overview) or
one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from serving.need_headline import NeedHeadline, need_headlines

SECTORS = ("public", "private", "third")
EVIDENCE_SAMPLE = 8  # evidence texts per place page: the largest lines that have one
TOP_ORGANISATIONS = 10


class UnknownPlace(ValueError):
    """A place page was asked for a code that is not a district of the marts."""


@dataclass(frozen=True)
class Amount:
    """Value in one group (a year, a theme, a sector, an organisation), maybe by sector."""

    label: str
    value_gbp: float
    is_illustrative: bool
    sector: str | None = None


@dataclass(frozen=True)
class PlaceYear:
    """One place in one financial year, against its need (a row of ``place_need``)."""

    place_code: str
    place_name: str | None
    region_code: str | None
    region_name: str | None
    financial_year: str
    value_gbp: float
    population: int | None
    per_head_gbp: float | None
    imd_edition: str | None
    imd_rank: int | None
    imd_decile: int | None
    is_illustrative: bool

    @property
    def name(self) -> str:
        return self.place_name or f"Unknown place {self.place_code}"


@dataclass(frozen=True)
class DecileShare:
    """A row of ``need_distribution``: one IMD decile's share of value and of people."""

    decile: int
    value_share: float
    population_share: float
    is_illustrative: bool


@dataclass(frozen=True)
class Evidence:
    """A line's story: who delivered what, its value, and the sender's evidence text."""

    organisation: str
    sector: str
    measure_code: str
    measure: str | None
    financial_period: str
    value_gbp: float | None
    evidence: str
    is_illustrative: bool


@dataclass(frozen=True)
class ThemeProgress:
    """Committed against delivered pounds in one theme (from ``commitment_totals``)."""

    theme: str
    committed_gbp: float
    delivered_gbp: float
    is_illustrative: bool


@dataclass(frozen=True)
class Figures:
    """The totals of a scope: everything, or one place (all financial years)."""

    total_gbp: float
    is_illustrative: bool
    by_year: list[Amount]  # label = financial year, one per sector
    by_theme: list[Amount]
    by_sector: list[Amount]
    organisations: list[Amount]  # the top contributors, largest first
    # committed against delivered by theme, on contracts with commitments (empty if none)
    progress: list[ThemeProgress] = field(default_factory=list)

    @property
    def years(self) -> list[str]:
        return sorted({amount.label for amount in self.by_year})


@dataclass(frozen=True)
class Area:
    """A region or country: its total over every year (from ``area_totals``)."""

    area_type: str
    code: str
    name: str
    value_gbp: float
    district_count: int
    is_illustrative: bool


@dataclass
class PlaceReport:
    place: PlaceYear  # in the report's latest year
    figures: Figures
    history: list[PlaceYear]  # every year, oldest first
    region_shares: list[DecileShare]
    evidence: list[Evidence]


@dataclass
class ReportData:
    latest_year: str | None
    figures: Figures
    places: list[PlaceYear]  # with value in any year, in the latest year, largest first
    totals_by_place: dict[str, float]  # over every year
    per_head: list[PlaceYear]  # every district in the latest year
    england_shares: list[DecileShare]
    areas: list[Area]
    need: list[NeedHeadline]
    place_reports: dict[str, PlaceReport] = field(default_factory=dict)


def _rows(connection: sa.Connection, sql: str, **params: object) -> list[sa.Row]:
    return list(connection.execute(sa.text(sql), params).all())


def _where(place_code: str | None) -> str:
    return "where place_code = :place" if place_code else ""


def figures(connection: sa.Connection, place_code: str | None = None) -> Figures:
    """Totals of one place, or of every place when ``place_code`` is None."""
    where = _where(place_code)

    def grouped(column: str, extra: str = "") -> list[Amount]:
        rows = _rows(
            connection,
            f"""
            select {column}{extra}, sum(social_value_gbp), max(case when is_illustrative
                   then 1 else 0 end)
            from marts.fct_place_totals {where}
            group by {column}{extra} order by {column}{extra}
            """,
            place=place_code,
        )
        return [Amount(str(r[0]), float(r[-2]), bool(r[-1]), r[1] if extra else None) for r in rows]

    by_year = grouped("financial_year", ", sector")
    return Figures(
        total_gbp=round(sum(a.value_gbp for a in by_year), 2),
        is_illustrative=any(a.is_illustrative for a in by_year),
        by_year=by_year,
        by_theme=grouped("theme"),
        by_sector=grouped("sector"),
        organisations=organisations(connection, place_code),
        progress=progress_by_theme(connection, place_code),
    )


def progress_by_theme(connection: sa.Connection, place_code: str | None) -> list[ThemeProgress]:
    """Committed against delivered by theme, over every year (``commitment_totals``)."""
    rows = _rows(
        connection,
        f"""
        select theme, sum(committed_value_gbp), sum(delivered_value_gbp),
               max(case when is_illustrative then 1 else 0 end)
        from marts.commitment_totals {_where(place_code)}
        group by theme order by theme
        """,
        place=place_code,
    )
    return [ThemeProgress(r[0], float(r[1] or 0), float(r[2] or 0), bool(r[3])) for r in rows]


def organisations(connection: sa.Connection, place_code: str | None) -> list[Amount]:
    """The organisations that delivered most value (in the scope), largest first."""
    rows = _rows(
        connection,
        f"""
        select max(organisation_name), organisation_id, max(sector),
               sum(social_value_gbp) as value,
               max(case when is_illustrative then 1 else 0 end)
        from marts.fct_social_value {_where(place_code)}
        group by organisation_id
        having sum(social_value_gbp) > 0
        order by value desc, organisation_id
        limit {TOP_ORGANISATIONS}
        """,
        place=place_code,
    )
    return [
        Amount(name or org_id, float(v), bool(i), sector) for name, org_id, sector, v, i in rows
    ]


_PLACE_YEAR_SQL = """
    select place_code, place_name, region_code, region_name, financial_year,
           social_value_gbp, population, social_value_per_head_gbp, imd_edition,
           imd_rank, imd_decile, is_illustrative
    from marts.place_need
"""


def _place_year(row: sa.Row) -> PlaceYear:
    values = list(row)
    values[5] = float(values[5] or 0)
    values[7] = None if values[7] is None else float(values[7])
    values[11] = bool(values[11])
    return PlaceYear(*values)


def place_years(connection: sa.Connection, year: str) -> list[PlaceYear]:
    """Every district in one financial year."""
    rows = _rows(
        connection, _PLACE_YEAR_SQL + " where financial_year = :year order by place_code", year=year
    )
    return [_place_year(row) for row in rows]


def place_history(connection: sa.Connection, place_code: str) -> list[PlaceYear]:
    rows = _rows(
        connection,
        _PLACE_YEAR_SQL + " where place_code = :place order by financial_year",
        place=place_code,
    )
    return [_place_year(row) for row in rows]


def decile_shares(
    connection: sa.Connection, year: str, scope_type: str, scope_code: str
) -> list[DecileShare]:
    rows = _rows(
        connection,
        """
        select imd_decile, coalesce(value_share, 0), coalesce(population_share, 0),
               is_illustrative
        from marts.need_distribution
        where financial_year = :year and scope_type = :scope_type and scope_code = :scope_code
        order by imd_decile
        """,
        year=year,
        scope_type=scope_type,
        scope_code=scope_code,
    )
    return [DecileShare(int(d), float(v), float(p), bool(i)) for d, v, p, i in rows]


def evidence(connection: sa.Connection, place_code: str) -> list[Evidence]:
    """A sample of a place's evidence texts: those of its largest lines, then by line."""
    rows = _rows(
        connection,
        f"""
        select lines.organisation_name, lines.sector, lines.measure_code,
               measures.description, lines.period_start, lines.period_end,
               lines.social_value_gbp, lines.evidence, lines.is_illustrative
        from marts.fct_social_value as lines
        left join marts.dim_measure as measures
            on lines.edition = measures.edition and lines.measure_code = measures.measure_code
        where lines.place_code = :place and lines.evidence is not null
            and trim(lines.evidence) <> ''
        order by lines.social_value_gbp desc nulls last, lines.line_id
        limit {EVIDENCE_SAMPLE}
        """,
        place=place_code,
    )
    return [
        Evidence(
            organisation=org or "",
            sector=sector,
            measure_code=code,
            measure=description,
            financial_period=f"{start:%d %b %Y} to {end:%d %b %Y}",
            value_gbp=None if value is None else float(value),
            evidence=text,
            is_illustrative=bool(illustrative),
        )
        for org, sector, code, description, start, end, value, text, illustrative in rows
    ]


def areas(connection: sa.Connection) -> list[Area]:
    """Regions and countries, over every year, largest first."""
    rows = _rows(
        connection,
        """
        select area_type, area_code, max(area_name), sum(social_value_gbp),
               max(district_count), max(case when is_illustrative then 1 else 0 end)
        from marts.area_totals
        where area_type in ('region', 'country')
        group by area_type, area_code
        order by area_type desc, sum(social_value_gbp) desc, area_code
        """,
    )
    return [Area(t, c, n or c, float(v), int(d), bool(i)) for t, c, n, v, d, i in rows]


def totals_by_place(connection: sa.Connection) -> dict[str, float]:
    rows = _rows(
        connection,
        "select place_code, sum(social_value_gbp) from marts.fct_place_totals group by place_code",
    )
    return {code: round(float(value), 2) for code, value in rows}


def latest_year(connection: sa.Connection) -> str | None:
    """The newest financial year any value reached a place in."""
    return _rows(
        connection,
        "select max(financial_year) from marts.place_need where social_value_gbp > 0",
    )[0][0]


def read_report(connection: sa.Connection, place_codes: list[str] | None = None) -> ReportData:
    """Everything the report shows; place pages for ``place_codes`` (default: every
    place that any value reached)."""
    year = latest_year(connection)
    per_head = place_years(connection, year) if year else []
    totals = totals_by_place(connection)
    by_code = {place.place_code: place for place in per_head}
    places = sorted(
        (by_code[code] for code in totals if code in by_code),
        key=lambda p: (-totals[p.place_code], p.place_code),
    )
    data = ReportData(
        latest_year=year,
        figures=figures(connection),
        places=places,
        totals_by_place=totals,
        per_head=per_head,
        england_shares=decile_shares(connection, year, "country", "E92000001") if year else [],
        areas=areas(connection),
        need=need_headlines(connection),
    )
    wanted = place_codes if place_codes is not None else [p.place_code for p in places]
    for code in wanted:
        data.place_reports[code] = place_report(connection, data, code)
    return data


def place_report(connection: sa.Connection, data: ReportData, place_code: str) -> PlaceReport:
    place = next((p for p in data.per_head if p.place_code == place_code), None)
    if place is None:
        raise UnknownPlace(
            f"{place_code} is not a current district code (e.g. E08000035 for Leeds)"
        )
    shares = (
        decile_shares(connection, data.latest_year, "region", place.region_code)
        if place.region_code and data.latest_year
        else []
    )
    return PlaceReport(
        place=place,
        figures=figures(connection, place_code),
        history=place_history(connection, place_code),
        region_shares=shares,
        evidence=evidence(connection, place_code),
    )
