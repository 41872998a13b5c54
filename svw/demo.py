"""Synthetic returns for the demo: several institutions, every format, a few bad files.

Everything is drawn from ``random.Random(seed)`` and nothing reads the clock, so one
seed always gives byte-identical files. Every figure is invented, and so is every
company, charity and NHS trust; the few real public bodies (four councils and a
university) appear only as the institutions that collect returns and report their own
delivery. Identifiers follow the org-id convention so they look like real returns.

Some contracts also have a commitment return (``incoming/<submitter>/commitments/``):
what their supplier promised at tender over a two-year contract, some ahead of what
the delivery returns show and some behind.

The files are listed in upload order: a corrected resubmission comes after the file it
corrects, and its path also sorts after it, so it is the later version however the
bucket breaks ties between equal modification times.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from configuration import DEFAULT_EDITION, MEASURE_CATALOGUE_SEED, PLACES_SEED
from expectations.fields import ALL_FIELDS, COMMITMENTS
from ingest.template import workbook_bytes


@dataclass(frozen=True)
class DemoFile:
    path: str  # relative to the bucket root, under incoming/<submitter>/
    data: bytes


MANCHESTER = "manchester-city-council"
NHS_NORTH = "nhs-north-trust"
LEEDS_UNIVERSITY = "university-of-leeds"
VCSE_NETWORK = "vcse-network"
UNITY_HOUSING = "unity-housing-group"

# The contracts with commitments run two years from the first quarter of the returns.
CONTRACT_PERIOD = (datetime.date(2025, 4, 1), datetime.date(2027, 3, 31))
QUARTERS: tuple[tuple[datetime.date, datetime.date], ...] = (
    (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),
    (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30)),
    (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)),
    (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
)
# Straddles 31 March 2025, so its value is shared between financial years 2024-25 and 2025-26.
TWO_YEAR_PERIOD = (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))

# Files the pipeline must reject, with the (row, column) of each problem planted in them.
# Rows are what the sender sees: spreadsheet rows for CSV, 1-based indexes for JSON.
_BAD_VALUES_CSV = f"incoming/{VCSE_NETWORK}/2025-26-q4-members-late.csv"
_BAD_VALUES_JSON = f"incoming/{NHS_NORTH}/2025-26-q4-community-partners.json"
_MISSING_COLUMN_CSV = f"incoming/{LEEDS_UNIVERSITY}/2025-26-q4-staff-volunteering.csv"
_MISPLACED_CSV = "incoming/2025-26-q1-return.csv"
DEMO_EXPECTED_ERRORS: dict[str, tuple[tuple[int | None, str | None], ...]] = {
    _BAD_VALUES_CSV: ((4, "measure_code"), (6, "quantity")),
    _BAD_VALUES_JSON: ((3, "place_code"), (5, "period_end")),
    _MISSING_COLUMN_CSV: ((1, "place_code"),),
    _MISPLACED_CSV: ((None, None),),  # not inside a submitter folder
}
DEMO_BAD_FILES: tuple[str, ...] = tuple(DEMO_EXPECTED_ERRORS)
# The subset that read_return itself refuses (a structural problem, not bad values).
DEMO_UNREADABLE_FILES: tuple[str, ...] = (_MISSING_COLUMN_CSV,)
# (original, corrected): the second restates the same returns with one quantity changed
# and one line withdrawn, so the first file's lines are all superseded.
DEMO_RESUBMISSION: tuple[str, str] = (
    f"incoming/{VCSE_NETWORK}/2025-26-q2-members-v1.csv",
    f"incoming/{VCSE_NETWORK}/2025-26-q2-members-v2.csv",
)


@dataclass(frozen=True)
class _Organisation:
    name: str
    sector: str  # public | private | third
    id_pattern: str  # org-id, or a register prefix to draw a number for (see _draw_id)
    place_code: str
    submitter: str


# (name, sector, org-id or register, home place, the institution that collects its returns)
_ORGANISATIONS: tuple[_Organisation, ...] = tuple(
    _Organisation(*entry)
    for entry in (
        ("Manchester City Council", "public", "GB-LAE-MAN", "E08000003", MANCHESTER),
        ("Liverpool City Council", "public", "GB-LAE-LIV", "E08000012", MANCHESTER),
        ("Northbridge Construction Ltd", "private", "COH", "E08000003", MANCHESTER),
        ("Irwell Catering Ltd", "private", "COH", "E08000003", MANCHESTER),
        ("Mersey Digital Ltd", "private", "COH", "E08000012", MANCHESTER),
        ("Fylde Coast Hospitality Ltd", "private", "COH", "E06000009", MANCHESTER),
        ("Pennine Facilities Services Ltd", "private", "COH", "E07000117", MANCHESTER),
        ("Ancoats Community Trust", "third", "CHC", "E08000003", MANCHESTER),
        ("Toxteth Food Cooperative CIC", "third", "COH", "E08000012", MANCHESTER),
        ("Burnley Green Spaces Trust", "third", "CHC", "E07000117", MANCHESTER),
        ("North Trust NHS Foundation Trust", "public", "GB-NHS-RX4", "E08000021", NHS_NORTH),
        ("Newcastle City Council", "public", "GB-LAE-NET", "E08000021", NHS_NORTH),
        ("Pennine Community Health NHS Trust", "public", "GB-NHS-RY7", "E08000039", NHS_NORTH),
        ("Tees Steel Fabrications Ltd", "private", "COH", "E06000001", NHS_NORTH),
        ("Wear Valley Groundworks Ltd", "private", "COH", "E06000047", NHS_NORTH),
        ("Don Valley Logistics Ltd", "private", "COH", "E08000039", NHS_NORTH),
        ("Hartlepool Youth Futures", "third", "CHC", "E06000001", NHS_NORTH),
        ("Durham Dales Befriending Service", "third", "CHC", "E06000047", NHS_NORTH),
        ("Sheffield Refugee Employment Network", "third", "CHC", "E08000039", NHS_NORTH),
        ("University of Leeds", "public", "GB-UKPRN-10007795", "E08000035", LEEDS_UNIVERSITY),
        ("Leeds City Council", "public", "GB-LAE-LDS", "E08000035", LEEDS_UNIVERSITY),
        ("Aire Valley Engineering Ltd", "private", "COH", "E08000035", LEEDS_UNIVERSITY),
        ("Chapeltown Digital Inclusion CIC", "third", "COH", "E08000035", LEEDS_UNIVERSITY),
        ("Tower Hamlets Tenants Alliance", "third", "CHC", "E09000030", VCSE_NETWORK),
        ("Cornwall Coastal Volunteers", "third", "CHC", "E06000052", VCSE_NETWORK),
        ("Cardiff Bay Community Kitchen", "third", "CHC", "W06000015", VCSE_NETWORK),
        ("Glasgow East Recycling Trust", "third", "SC", "S12000049", VCSE_NETWORK),
        ("Belfast Skills Collective", "third", "NIC", "N09000003", VCSE_NETWORK),
        ("Oxford Youth Mentoring Trust", "third", "CHC", "E07000178", VCSE_NETWORK),
        ("Meadows Advice Centre", "third", "CHC", "E06000018", VCSE_NETWORK),
        ("Isle of Dogs Security Ltd", "private", "COH", "E09000030", UNITY_HOUSING),
        ("Kernow Renewable Energy Ltd", "private", "COH", "E06000052", UNITY_HOUSING),
        ("Taff Civil Engineering Ltd", "private", "COH", "W06000015", UNITY_HOUSING),
        ("Clyde Waste Solutions Ltd", "private", "COH", "S12000049", UNITY_HOUSING),
        ("Lagan IT Services Ltd", "private", "COH", "N09000003", UNITY_HOUSING),
        ("Cherwell Software Ltd", "private", "COH", "E07000178", UNITY_HOUSING),
        ("Bullring Build Partnership Ltd", "private", "COH", "E08000025", UNITY_HOUSING),
        ("Trent Cleaning Services Ltd", "private", "COH", "E06000018", UNITY_HOUSING),
    )
)
# The institutions' own delivery is reported without a contract.
_OWN_DELIVERY = {
    MANCHESTER: "Manchester City Council",
    NHS_NORTH: "North Trust NHS Foundation Trust",
    LEEDS_UNIVERSITY: "University of Leeds",
}
_CONTRACT_PREFIX = {
    MANCHESTER: "MCC",
    NHS_NORTH: "NNT",
    LEEDS_UNIVERSITY: "UOL",
    VCSE_NETWORK: "VCSE-GRANT",
    UNITY_HOUSING: "UHG",
}

# Own wording; "{place}" becomes the place name. Some carry £ and accents on purpose.
_STORIES: dict[str, tuple[str, ...]] = {
    "Jobs": (
        "Recruited local residents through a jobs fair at {place} central library.",
        "Apprentices from {place} colleges on site; two completed their level 3.",
        "Worked with a local employment charity to place people out of work for over a year.",
        "Careers talks and mock interviews in three {place} secondary schools.",
    ),
    "Growth": (
        "Spend with small firms within ten miles of the {place} site.",
        "Moved the staff café supply to a {place} social enterprise.",
        "Free business clinics for start-ups, run with the {place} growth hub.",
    ),
    "Social": (
        "Staff volunteered at a {place} food bank every Friday.",
        "Weekly befriending calls for isolated older residents in {place}.",
        "Funded a youth football programme with the {place} community safety team.",
        "Donated £500 of furniture to a {place} homelessness hostel.",
    ),
    "Environment": (
        "Replaced diesel vans with electric vehicles on the {place} routes.",
        "Demolition waste went to a {place} recycler instead of landfill.",
        "Tree planting with residents in a {place} park.",
    ),
    "Innovation": (
        "Co-designed a digital skills course with {place} tenants.",
        "Refurbished laptops given to families in {place}.",
        "Piloted a community energy scheme with {place} residents.",
    ),
}

_CANONICAL_HEADERS = {field: field for field in ALL_FIELDS}
# Headers as different institutions' own spreadsheets word them (all accepted synonyms).
_SUPPLIER_SHEET_HEADERS = {
    "organisation_id": "Supplier ID",
    "organisation_name": "Supplier name",
    "sector": "Sector type",
    "period_start": "Start date",
    "period_end": "End date",
    "measure_code": "TOMs ref",
    "quantity": "Qty",
    "place_code": "LAD code",
    "contract_ref": "Contract reference",
    "unit": "Units",
    "evidence": "Notes",
}
_EUROPEAN_EXCEL_HEADERS = {
    "organisation_id": "Supplier ID",
    "organisation_name": "Supplier Name",
    "sector": "Sector",
    "period_start": "Period from",
    "period_end": "Period to",
    "measure_code": "TOMs code",
    "quantity": "Value delivered",
    "place_code": "GSS code",
    "contract_ref": "Contract ID",
    "unit": "Unit of measure",
    "evidence": "Narrative",
}
_US_SPELLING_HEADERS = {
    "organisation_id": "Organization ID",
    "organisation_name": "Organization name",
    "sector": "Sector type",
    "period_start": "Period from",
    "period_end": "Period to",
    "measure_code": "Measure ID",
    "quantity": "Amount",
    "place_code": "Local authority code",
    "framework": "TOMs edition",
    "evidence": "Story",
}
_SHORT_JSON_KEYS = {
    "organisation_id": "Org ID",
    "organisation_name": "Organisation",
    "sector": "sector",
    "period_start": "period_start",
    "period_end": "period_end",
    "measure_code": "Measure",
    "quantity": "Qty",
    "place_code": "Place",
    "contract_ref": "Contract ID",
    "evidence": "Notes",
}


@dataclass(frozen=True)
class _Line:
    organisation_id: str
    organisation_name: str
    sector: str
    period_start: datetime.date
    period_end: datetime.date
    measure_code: str
    quantity: float
    unit: str
    place_code: str
    contract_ref: str | None
    evidence: str | None
    framework: str = DEFAULT_EDITION


@dataclass(frozen=True)
class _Measure:
    code: str
    theme: str
    unit: str


class _DemoWorld:
    """The invented organisations, their measures and contracts, and a line generator."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.measures = _read_measures(MEASURE_CATALOGUE_SEED)
        # The demo keeps to its organisations' home places (the seed lists every district).
        names = _read_place_names(PLACES_SEED)
        self.place_names = {org.place_code: names[org.place_code] for org in _ORGANISATIONS}
        self.themes = list(dict.fromkeys(measure.theme for measure in self.measures))
        drawn: set[str] = set()
        self.ids = {org.name: _draw_id(org.id_pattern, rnd, drawn) for org in _ORGANISATIONS}
        self.portfolios = {
            org.name: self._portfolio(self.themes[position % len(self.themes)])
            for position, org in enumerate(_ORGANISATIONS)
        }
        self.contracts = {
            org.name: None
            if _OWN_DELIVERY.get(org.submitter) == org.name
            else f"{_CONTRACT_PREFIX[org.submitter]}-{rnd.randint(2021, 2025)}-"
            f"{rnd.randint(1, 999):03d}"
            for org in _ORGANISATIONS
        }

    def commitments(self, submitter: str) -> list[dict[str, str]]:
        """Commitment rows for two of every three of the submitter's contracts: up to
        three measures of the supplier's portfolio, each promised over the contract's
        two years at between half and one and a half times a typical delivery rate."""
        contracted = [
            org
            for org in _ORGANISATIONS
            if org.submitter == submitter and self.contracts[org.name] is not None
        ]
        rows = []
        for position, org in enumerate(contracted):
            if position % 3 == 2:
                continue  # delivered without a commitment return
            value = f"{self.rnd.randint(4, 120) * 25_000:.2f}"
            for measure in self.portfolios[org.name][:3]:
                quarterly = _draw_quantity(measure.unit, self.rnd)
                promised = quarterly * len(QUARTERS) * 2 * self.rnd.choice((0.5, 1.0, 1.5))
                rows.append(
                    {
                        "organisation_id": self.ids[org.name],
                        "organisation_name": org.name,
                        "sector": org.sector,
                        "contract_ref": self.contracts[org.name] or "",
                        "contract_title": f"{org.name} services",
                        "contract_start": CONTRACT_PERIOD[0].isoformat(),
                        "contract_end": CONTRACT_PERIOD[1].isoformat(),
                        "contract_value_gbp": value,
                        "measure_code": measure.code,
                        "committed_quantity": f"{promised:.2f}",
                        "place_code": org.place_code,
                        "evidence": "Committed at tender",
                    }
                )
        return rows

    def _portfolio(self, first_theme: str) -> list[_Measure]:
        """A few measures an organisation reports every quarter, one from ``first_theme``."""
        in_theme = [measure for measure in self.measures if measure.theme == first_theme]
        first = self.rnd.choice(in_theme)
        others = self.rnd.sample([m for m in self.measures if m != first], 3)
        return [first, *others]

    def lines(
        self,
        submitter: str,
        period: tuple[datetime.date, datetime.date],
        organisations: Sequence[str] | None = None,
    ) -> list[_Line]:
        chosen = [
            org
            for org in _ORGANISATIONS
            if org.submitter == submitter and (organisations is None or org.name in organisations)
        ]
        lines = []
        for org in chosen:
            portfolio = self.portfolios[org.name]
            for position, measure in enumerate(portfolio[: self.rnd.randint(2, len(portfolio))]):
                lines.append(self._line(org, measure, period, may_travel=position > 0))
        return lines

    def _line(
        self,
        org: _Organisation,
        measure: _Measure,
        period: tuple[datetime.date, datetime.date],
        may_travel: bool,
    ) -> _Line:
        # Mostly delivered at home (always the first line, so every home place is used);
        # now and then in another place the organisation also serves.
        place_code = org.place_code
        if may_travel and self.rnd.random() < 0.15:
            place_code = self.rnd.choice(sorted(self.place_names))
        story = self.rnd.choice(_STORIES[measure.theme])
        return _Line(
            organisation_id=self.ids[org.name],
            organisation_name=org.name,
            sector=org.sector,
            period_start=period[0],
            period_end=period[1],
            measure_code=measure.code,
            quantity=_draw_quantity(measure.unit, self.rnd),
            unit=measure.unit,
            place_code=place_code,
            contract_ref=self.contracts[org.name],
            evidence=story.format(place=self.place_names[place_code])
            if self.rnd.random() < 0.7
            else None,
        )


def demo_files(seed: int = 2026) -> list[DemoFile]:
    """The demo's files in upload order; the same seed always gives the same bytes."""
    world = _DemoWorld(random.Random(seed))
    q1, q2, q3, q4 = QUARTERS
    files: list[DemoFile] = []

    def add(submitter: str | None, name: str, data: bytes) -> None:
        folder = "incoming" if submitter is None else f"incoming/{submitter}"
        files.append(DemoFile(f"{folder}/{name}", data))

    # Manchester collects supplier returns in whatever its suppliers' tools produce.
    add(MANCHESTER, "2025-26-q1-suppliers.csv", _csv(world.lines(MANCHESTER, q1), bom=True))
    add(
        MANCHESTER,
        "2025-26-q2-suppliers.xlsx",
        _xlsx(world.lines(MANCHESTER, q2), _SUPPLIER_SHEET_HEADERS, extra="Officer comments"),
    )
    add(
        MANCHESTER,
        "2025-26-q3-suppliers.csv",
        _csv(
            world.lines(MANCHESTER, q3),
            _EUROPEAN_EXCEL_HEADERS,
            delimiter=";",
            encoding="cp1252",
            uk_dates=True,
            pounds=True,
        ),
    )
    add(MANCHESTER, "2025-26-q4-suppliers.json", _json(world.lines(MANCHESTER, q4)))

    add(NHS_NORTH, "2025-26-q1.json", _json(world.lines(NHS_NORTH, q1), _SHORT_JSON_KEYS))
    add(NHS_NORTH, "2025-26-q2.parquet", _parquet(world.lines(NHS_NORTH, q2)))
    add(
        NHS_NORTH,
        "2025-26-q3.tsv",
        _csv(world.lines(NHS_NORTH, q3), _US_SPELLING_HEADERS, delimiter="\t"),
    )
    add(NHS_NORTH, "2025-26-q4.csv", _csv(world.lines(NHS_NORTH, q4)))
    bad_json_lines = world.lines(
        NHS_NORTH,
        q4,
        [
            "Hartlepool Youth Futures",
            "Tees Steel Fabrications Ltd",
            "Durham Dales Befriending Service",
        ],
    )
    add(NHS_NORTH, _name(_BAD_VALUES_JSON), _json(_with_bad_place_and_period(bad_json_lines)))

    university_lines = [
        line for quarter in QUARTERS for line in world.lines(LEEDS_UNIVERSITY, quarter)
    ]
    university_lines += world.lines(LEEDS_UNIVERSITY, TWO_YEAR_PERIOD, ["University of Leeds"])
    add(LEEDS_UNIVERSITY, "2025-26-annual.parquet", _parquet(university_lines))
    no_place_headers = {f: h for f, h in _CANONICAL_HEADERS.items() if f != "place_code"}
    add(
        LEEDS_UNIVERSITY,
        _name(_MISSING_COLUMN_CSV),
        _csv(world.lines(LEEDS_UNIVERSITY, q4), no_place_headers),
    )

    add(VCSE_NETWORK, "2025-26-q1-members.xlsx", _xlsx(world.lines(VCSE_NETWORK, q1)))
    first_version = world.lines(VCSE_NETWORK, q2)
    add(VCSE_NETWORK, _name(DEMO_RESUBMISSION[0]), _csv(first_version))
    add(VCSE_NETWORK, _name(DEMO_RESUBMISSION[1]), _csv(_corrected(first_version)))
    add(VCSE_NETWORK, "2025-26-q3-members.json", _json(world.lines(VCSE_NETWORK, q3)))
    add(VCSE_NETWORK, "2025-26-q4-members.parquet", _parquet(world.lines(VCSE_NETWORK, q4)))
    late_lines = world.lines(VCSE_NETWORK, q4)
    add(VCSE_NETWORK, _name(_BAD_VALUES_CSV), _csv(_with_unknown_code_and_negative(late_lines)))

    first_half = world.lines(UNITY_HOUSING, q1) + world.lines(UNITY_HOUSING, q2)
    add(UNITY_HOUSING, "2025-26-h1-contractors.xlsx", _xlsx(first_half, _SUPPLIER_SHEET_HEADERS))
    second_half = world.lines(UNITY_HOUSING, q3) + world.lines(UNITY_HOUSING, q4)
    add(UNITY_HOUSING, "2025-26-h2-contractors.tsv", _csv(second_half, delimiter="\t"))

    add(
        None, _name(_MISPLACED_CSV), _csv(world.lines(UNITY_HOUSING, q1, ["Lagan IT Services Ltd"]))
    )

    # Drawn last, so that the delivery files above are the same with or without them.
    tender = "commitments/2025-tender-commitments.csv"
    add(MANCHESTER, tender, _commitments_csv(world.commitments(MANCHESTER), _TENDER_HEADERS))
    add(UNITY_HOUSING, tender, _commitments_csv(world.commitments(UNITY_HOUSING)))
    return files


# A procurement team's own words for the commitment fields (accepted synonyms).
_TENDER_HEADERS = {
    "organisation_id": "Supplier ID",
    "organisation_name": "Supplier name",
    "sector": "Sector",
    "contract_ref": "Contract reference",
    "contract_title": "Contract title",
    "contract_start": "Contract start date",
    "contract_end": "Contract end date",
    "contract_value_gbp": "Contract value",
    "measure_code": "TOMs ref",
    "committed_quantity": "Committed",
    "place_code": "GSS code",
    "evidence": "Notes",
}


def _commitments_csv(
    rows: Iterable[dict[str, str]], headers: dict[str, str] | None = None
) -> bytes:
    headers = headers or {name: name for name in COMMITMENTS.names}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers.values())
    for row in rows:
        writer.writerow(row.get(field, "") for field in headers)
    return buffer.getvalue().encode("utf-8")


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# --- planted problems -----------------------------------------------------------


def _with_unknown_code_and_negative(lines: list[_Line]) -> list[_Line]:
    """Sheet row 4 (third data row) gets an unknown code, row 6 a negative quantity."""
    planted = list(lines)
    planted[2] = replace(planted[2], measure_code="NT99")
    planted[4] = replace(planted[4], quantity=-12)
    return planted


def _with_bad_place_and_period(lines: list[_Line]) -> list[_Line]:
    """Record 3 gets a malformed place code, record 5 ends before it starts."""
    planted = list(lines)
    planted[2] = replace(planted[2], place_code="E0800003")
    planted[4] = replace(
        planted[4], period_end=planted[4].period_start - datetime.timedelta(days=1)
    )
    return planted


def _corrected(lines: list[_Line]) -> list[_Line]:
    """The resubmission: the first quantity revised, the last line withdrawn."""
    return [replace(lines[0], quantity=lines[0].quantity * 2), *lines[1:-1]]


# --- reference data and random draws --------------------------------------------


def _read_measures(path: Path) -> list[_Measure]:
    with path.open(newline="", encoding="utf-8") as seed:
        return [
            _Measure(row["measure_code"], row["theme"], row["unit"])
            for row in csv.DictReader(seed)
            if row["edition"] == DEFAULT_EDITION
        ]


def _read_place_names(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as seed:
        return {row["place_code"]: row["place_name"] for row in csv.DictReader(seed)}


def _draw_id(pattern: str, rnd: random.Random, drawn: set[str]) -> str:
    """An org-id: given in full, or a number drawn in the shape of the register's."""
    if pattern.startswith("GB-"):
        return pattern
    shapes: dict[str, Callable[[], str]] = {
        "COH": lambda: f"GB-COH-{rnd.randint(1_000_000, 15_999_999):08d}",
        "CHC": lambda: f"GB-CHC-{rnd.randint(1_000_000, 1_209_999)}",
        "SC": lambda: f"GB-SC-SC0{rnd.randint(10_000, 54_999)}",
        "NIC": lambda: f"GB-NIC-{rnd.randint(100_000, 107_999)}",
    }
    while (candidate := shapes[pattern]()) in drawn:
        pass
    drawn.add(candidate)
    return candidate


def _draw_quantity(unit: str, rnd: random.Random) -> float:
    if unit == "people FTE":
        return round(rnd.uniform(0.5, 8.0), 1)
    if unit == "GBP":
        return round(rnd.uniform(250, 180_000), 2)
    if unit in ("tCO2e", "tonnes"):
        return round(rnd.uniform(0.5, 150), 1)
    if unit == "miles":
        return float(rnd.randint(500, 60_000))
    if unit == "weeks":
        return float(rnd.randint(2, 120))
    return float(rnd.randint(5, 1_500))  # hours, devices


# --- writers ----------------------------------------------------------------------


def _quantity_text(quantity: float, unit: str, pounds: bool) -> str:
    if pounds and unit == "GBP":
        return f"£{quantity:,.2f}"  # as a UK spreadsheet shows currency
    if unit == "GBP":
        return f"{quantity:.2f}"
    return str(_json_number(quantity))


def _json_number(quantity: float) -> int | float:
    return int(quantity) if float(quantity).is_integer() else quantity


def _text_values(line: _Line, uk_dates: bool, pounds: bool) -> dict[str, str]:
    def day(value: datetime.date) -> str:
        return value.strftime("%d/%m/%Y") if uk_dates else value.isoformat()

    return {
        "organisation_id": line.organisation_id,
        "organisation_name": line.organisation_name,
        "sector": line.sector,
        "period_start": day(line.period_start),
        "period_end": day(line.period_end),
        "measure_code": line.measure_code,
        "quantity": _quantity_text(line.quantity, line.unit, pounds),
        "place_code": line.place_code,
        "contract_ref": line.contract_ref or "",
        "unit": line.unit,
        "framework": line.framework,
        "evidence": line.evidence or "",
    }


def _csv(
    lines: Iterable[_Line],
    headers: dict[str, str] = _CANONICAL_HEADERS,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    uk_dates: bool = False,
    pounds: bool = False,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers.values())
    for line in lines:
        values = _text_values(line, uk_dates, pounds)
        writer.writerow(values[field] for field in headers)
    return buffer.getvalue().encode("utf-8-sig" if bom else encoding)


def _json(lines: Iterable[_Line], keys: dict[str, str] = _CANONICAL_HEADERS) -> bytes:
    records = []
    for line in lines:
        values: dict[str, object] = {**_text_values(line, uk_dates=False, pounds=False)}
        values["quantity"] = _json_number(line.quantity)
        values["contract_ref"] = line.contract_ref
        values["evidence"] = line.evidence
        records.append({key: values[field] for field, key in keys.items()})
    return json.dumps(records, indent=2, ensure_ascii=False).encode("utf-8")


def _xlsx(
    lines: Iterable[_Line],
    headers: dict[str, str] = _CANONICAL_HEADERS,
    extra: str | None = None,
) -> bytes:
    """A sheet as a person keeps it: real date cells shown UK-style, numbers as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Q return"
    sheet.append([*headers.values(), *([extra] if extra else [])])
    for number, line in enumerate(lines):
        values = {
            **_text_values(line, uk_dates=False, pounds=False),
            "period_start": line.period_start,
            "period_end": line.period_end,
            "quantity": _json_number(line.quantity),
            "contract_ref": line.contract_ref,
            "evidence": line.evidence,
        }
        remark = ["Checked by procurement" if number % 2 == 0 else None] if extra else []
        sheet.append([*(values[field] for field in headers), *remark])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "dd/mm/yyyy"
    return workbook_bytes(workbook)


def _parquet(lines: Sequence[_Line]) -> bytes:
    """Typed columns, as an analyst's export would have them: dates, doubles, text."""
    table = pa.table(
        {
            "organisation_id": [line.organisation_id for line in lines],
            "organisation_name": [line.organisation_name for line in lines],
            "sector": [line.sector for line in lines],
            "period_start": pa.array([line.period_start for line in lines], pa.date32()),
            "period_end": pa.array([line.period_end for line in lines], pa.date32()),
            "measure_code": [line.measure_code for line in lines],
            "quantity": pa.array([line.quantity for line in lines], pa.float64()),
            "place_code": [line.place_code for line in lines],
            "contract_ref": pa.array([line.contract_ref for line in lines], pa.string()),
            "unit": [line.unit for line in lines],
            "evidence": pa.array([line.evidence for line in lines], pa.string()),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
