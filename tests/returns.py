"""Hand-made return files and the totals worked out from them by hand.

Used by the end-to-end and crash tests. Proxy values are typed in from the
illustrative catalogue (dbt_project/seeds/measure_catalogue.csv), not read from it,
so a change to the catalogue or to the valuation code makes the tests fail.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

LEEDS, MANCHESTER, UNKNOWN_PLACE = "E08000035", "E08000003", "E06000999"

# A workbook's header row as a sender's own spreadsheet words it (accepted synonyms).
XLSX_HEADER: list[object] = [
    "Supplier ID",
    "Supplier name",
    "Sector",
    "Start date",
    "End date",
    "TOMs ref",
    "Qty",
    "LAD code",
    "Notes",
]


def csv_bytes(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parquet_bytes(columns: dict[str, list[object]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


LEEDS_Q1 = csv_bytes(
    "Organisation ID,Organisation name,Sector,Period start,Period end,TOMs ref,Qty,"
    "Place,Contract reference,Evidence\n"
    "GB-LAE-LDS,Leeds City Council,Public sector,01/04/2025,30/06/2025,NT24,100,"
    "E08000035,C1,Staff volunteering at food banks\n"
    "GB-LAE-LDS,Leeds City Council,Public sector,01/04/2025,30/06/2025,nt10,12,"
    "E08000035,C1,Two apprentices\n"
)
# Same return identity (submitter, organisation, contract, period): replaces both lines above.
LEEDS_Q1_CORRECTED = csv_bytes(
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref\n"
    "GB-LAE-LDS,Leeds City Council,public,2025-04-01,2025-06-30,NT24,120,E08000035,C1\n"
)
ACME_XLSX = xlsx_bytes(
    [
        [
            "Supplier ID",
            "Supplier name",
            "Sector",
            "Start date",
            "End date",
            "Measure ID",
            "Quantity",
            "LAD code",
            "Contract ID",
            "Unit",
        ],
        [
            "GB-COH-01234567",
            "Acme Build Ltd",
            "Business",
            date(2025, 7, 1),
            date(2025, 9, 30),
            "NT1",
            2.5,
            MANCHESTER,
            "AC-1",
            "people FTE",
        ],
        [
            "GB-COH-01234567",
            "Acme Build Ltd",
            "Business",
            date(2025, 7, 1),
            date(2025, 9, 30),
            "NT31",
            10,
            MANCHESTER,
            "AC-1",
            None,
        ],
    ]
)
VCSE_JSON = json.dumps(
    [
        {
            "organisation_id": "GB-CHC-1234567",
            "organisation_name": "Befriend Leeds",
            "sector": "VCSE",
            "period_start": "2025-03-01",
            "period_end": "2025-04-30",
            "measure_code": "NT28",
            "quantity": 40,
            "place_code": UNKNOWN_PLACE,
            "evidence": "Weekly lunch club",
        }
    ]
).encode()
VCSE_PARQUET = parquet_bytes(
    {
        "organisation_id": ["GB-CHC-7654321", "GB-CHC-1122334"],
        "organisation_name": ["Leeds Community Trust", "Leeds Food Bank"],
        "sector": ["third", "charity"],
        "period_start": [date(2025, 10, 1), date(2025, 10, 1)],
        "period_end": [date(2025, 12, 31), date(2025, 12, 31)],
        "measure_code": ["NT14", "NT17"],
        "quantity": [5000.0, 1500.0],
        "place_code": [LEEDS, LEEDS],
    }
)
BAD_CSV = csv_bytes(
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code\n"
    "GB-COH-01234567,Acme Build Ltd,private,2025-04-01,2025-06-30,NT1,1,E08000003\n"
    "GB-COH-01234567,Acme Build Ltd,private,2025-04-01,2025-06-30,NT1,-5,E08000003\n"
    "GB-COH-01234567,Acme Build Ltd,private,2025-04-01,2025-06-30,NT999,3,E08000003\n"
)

FIRST_DROP = {
    "incoming/leeds-council/2025-q1.csv": LEEDS_Q1,
    "incoming/acme-build/returns.xlsx": ACME_XLSX,
    "incoming/vcse-network/lunch-club.json": VCSE_JSON,
    "incoming/vcse-network/q3.parquet": VCSE_PARQUET,
    "incoming/acme-build/bad.csv": BAD_CSV,
    "incoming/stray.csv": LEEDS_Q1_CORRECTED,
}
SECOND_DROP = {
    "incoming/leeds-council/2025-q1-corrected.csv": LEEDS_Q1_CORRECTED,
    "incoming/acme-build/returns-copy.xlsx": ACME_XLSX,
}

# (path, status, final location) after both drops have been processed.
EXPECTED_FATES = {
    "incoming/leeds-council/2025-q1.csv": ("loaded", "archive/leeds-council/2025-q1.csv"),
    "incoming/acme-build/returns.xlsx": ("loaded", "archive/acme-build/returns.xlsx"),
    "incoming/vcse-network/lunch-club.json": ("loaded", "archive/vcse-network/lunch-club.json"),
    "incoming/vcse-network/q3.parquet": ("loaded", "archive/vcse-network/q3.parquet"),
    "incoming/acme-build/bad.csv": ("rejected", "rejected/acme-build/bad.csv"),
    "incoming/stray.csv": ("rejected", "rejected/stray.csv"),
    "incoming/leeds-council/2025-q1-corrected.csv": (
        "loaded",
        "archive/leeds-council/2025-q1-corrected.csv",
    ),
    "incoming/acme-build/returns-copy.xlsx": ("duplicate", "archive/acme-build/returns-copy.xlsx"),
}
# (row, column) of every error in bad.csv, as the sender's spreadsheet shows them.
BAD_CSV_ERRORS = [(3, "quantity"), (4, "measure_code")]


@dataclass(frozen=True)
class Line:
    source_file: str
    source_row: int
    organisation_id: str
    organisation_name: str
    sector: str
    contract_ref: str | None
    period: tuple[date, date]
    measure_code: str
    theme: str
    quantity: float
    unit: str  # the catalogue's unit of the measure
    proxy: float
    place_code: str
    evidence: str | None

    @property
    def submitter(self) -> str:
        return self.source_file.split("/")[1]

    @property
    def value(self) -> float:
        return self.quantity * self.proxy


Q1, Q2, Q3 = (
    (date(2025, 4, 1), date(2025, 6, 30)),
    (date(2025, 7, 1), date(2025, 9, 30)),
    (date(2025, 10, 1), date(2025, 12, 31)),
)

# The current (not superseded) lines after both drops, valued by hand.
CURRENT_LINES = [
    Line(
        source_file="incoming/leeds-council/2025-q1-corrected.csv",
        source_row=2,
        organisation_id="GB-LAE-LDS",
        organisation_name="Leeds City Council",
        sector="public",
        contract_ref="C1",
        period=Q1,
        measure_code="NT24",
        theme="Social",
        quantity=120,
        unit="hours",
        proxy=16.50,
        place_code=LEEDS,
        evidence=None,
    ),
    Line(
        source_file="incoming/acme-build/returns.xlsx",
        source_row=2,
        organisation_id="GB-COH-01234567",
        organisation_name="Acme Build Ltd",
        sector="private",
        contract_ref="AC-1",
        period=Q2,
        measure_code="NT1",
        theme="Jobs",
        quantity=2.5,
        unit="people FTE",
        proxy=21500.00,
        place_code=MANCHESTER,
        evidence=None,
    ),
    Line(
        source_file="incoming/acme-build/returns.xlsx",
        source_row=3,
        organisation_id="GB-COH-01234567",
        organisation_name="Acme Build Ltd",
        sector="private",
        contract_ref="AC-1",
        period=Q2,
        measure_code="NT31",
        theme="Environment",
        quantity=10,
        unit="tCO2e",
        proxy=230.00,
        place_code=MANCHESTER,
        evidence=None,
    ),
    Line(
        source_file="incoming/vcse-network/lunch-club.json",
        source_row=1,
        organisation_id="GB-CHC-1234567",
        organisation_name="Befriend Leeds",
        sector="third",
        contract_ref=None,
        period=(date(2025, 3, 1), date(2025, 4, 30)),
        measure_code="NT28",
        theme="Social",
        quantity=40,
        unit="hours",
        proxy=21.00,
        place_code=UNKNOWN_PLACE,
        evidence="Weekly lunch club",
    ),
    Line(
        source_file="incoming/vcse-network/q3.parquet",
        source_row=1,
        organisation_id="GB-CHC-7654321",
        organisation_name="Leeds Community Trust",
        sector="third",
        contract_ref=None,
        period=Q3,
        measure_code="NT14",
        theme="Growth",
        quantity=5000,
        unit="GBP",
        proxy=1.00,
        place_code=LEEDS,
        evidence=None,
    ),
    Line(
        source_file="incoming/vcse-network/q3.parquet",
        source_row=2,
        organisation_id="GB-CHC-1122334",
        organisation_name="Leeds Food Bank",
        sector="third",
        contract_ref=None,
        period=Q3,
        measure_code="NT17",
        theme="Growth",
        quantity=1500,
        unit="GBP",
        proxy=1.00,
        place_code=LEEDS,
        evidence=None,
    ),
]

# place_totals rows worked out by hand:
# (place, financial year, theme, sector) -> (social value in £, line count, organisations)
# The lunch club ran 1 March to 30 April 2025: 61 days, 31 in 2024-25 and 30 in 2025-26,
# so its £840 splits 840 * 31/61 = 426.885... and 840 * 30/61 = 413.114...
EXPECTED_PLACE_TOTALS = {
    (LEEDS, "2025-26", "Social", "public"): (1980.00, 1, 1),
    (MANCHESTER, "2025-26", "Jobs", "private"): (53750.00, 1, 1),
    (MANCHESTER, "2025-26", "Environment", "private"): (2300.00, 1, 1),
    (UNKNOWN_PLACE, "2024-25", "Social", "third"): (426.89, 1, 1),
    (UNKNOWN_PLACE, "2025-26", "Social", "third"): (413.11, 1, 1),
    (LEEDS, "2025-26", "Growth", "third"): (6500.00, 2, 2),
}
