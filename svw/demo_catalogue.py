"""The demo's catalogue files: an invented "licensed-style" edition, a crosswalk and local
proxies dropped in ``reference/``, and one council's return that uses them.

This is how a council's own licensed edition arrives, but every value here is INVENTED
(the official National TOMs proxies are CC BY-NC-ND and never shipped): the edition
says so in its title rows, its source and licence, and marks itself illustrative, so
every figure valued with it is flagged like the shipped catalogue's.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from ingest.template import workbook_bytes
from svw.demo import DemoFile

DEMO_EDITION = "demo-licensed-style-2025"
DEMO_COUNCIL = "demo-county-council"
_SOURCE = "INVENTED for the demo: a licensed-style edition, not official TOMs values"
_JOBS = "Jobs: Promote Local Skills and Employment"
_SOCIAL = "Social: Healthier, Safer and more Resilient Communities"
_GROWTH = "Growth: Supporting Growth of Responsible Regional Business"
# Ref, theme, outcome, measure, units, proxy value, value type, excludes
_MEASURES: tuple[tuple[object, ...], ...] = (
    ("NT1", _JOBS, "More local people in employment", "Local people employed", "people (FTE)",
     None, "localised", None),
    ("NT1c", _JOBS, "More local people in employment", "Local people employed by suppliers",
     "FTE", 19000, None, "NT1"),
    ("NT8", _JOBS, "Improved skills", "Weeks of training", "weeks", None, "record only", None),
    ("NT24", _SOCIAL, "More resilient communities", "Hours volunteered", "hrs", 18, None, None),
    ("NT14", _GROWTH, "More opportunities for local businesses", "Spend with local SMEs", "£",
     1, None, None),
)  # fmt: skip
_HEADER = ["Ref", "Theme", "Outcome", "Measure", "Units", "Proxy value", "Value type"]


def _edition_workbook() -> bytes:
    rows: list[list[object]] = [
        ["Social value measures: a licensed-style edition with INVENTED values (demo)"],
        [f"Edition: {DEMO_EDITION}"],
        [],
        [*_HEADER, "Excludes", "Illustrative", "Source", "Licence"],
        *([*measure, "yes", _SOURCE, "demo only"] for measure in _MEASURES),
    ]
    book = Workbook()
    sheet = book.active
    sheet.title = "Measures"
    for row in rows:
        sheet.append(row)
    return workbook_bytes(book)


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


_CROSSWALK = [
    ["from_framework", "from_code", "to_edition", "to_code", "factor", "note"],
    ["ECC", "ECC24D", DEMO_EDITION, "NT24", 7.5, "volunteering days of 7.5 hours (invented)"],
    ["ECC", "ECC14", DEMO_EDITION, "NT14", 1, "local SME spend"],
    ["PPN002", "SRM5", "", "", "", "a percentage: no measure counts it"],
]
_LOCAL_PROXIES = [
    ["edition", "measure_code", "place_code", "proxy_value_gbp", "source"],
    [DEMO_EDITION, "NT1", "E08000003", 24000, _SOURCE],
]
_QUARTER = ("2025-04-01", "2025-06-30")
_RETURN = [
    ["organisation_id", "organisation_name", "sector", "period_start", "period_end",
     "measure_code", "quantity", "place_code", "contract_ref", "framework", "evidence"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "NT1", 2, "E08000003",
     "DCC-1", DEMO_EDITION, "Local hires on site"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "NT1c", 1, "E08000003",
     "DCC-1", DEMO_EDITION, "Supplier hire, also one of the local hires"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "NT1", 1, "E08000035",
     "DCC-1", DEMO_EDITION, "Local hire in Leeds"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "NT8", 12, "E08000003",
     "DCC-1", DEMO_EDITION, "Apprentice training weeks"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "ECC24D", 4, "E08000003",
     "DCC-1", "ECC", "Four volunteering days at a food bank"],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "ECC14", 25000, "E08000003",
     "DCC-1", "ECC", None],
    ["GB-COH-90000001", "Demo Build Ltd", "private", *_QUARTER, "SRM5", 35, "E08000003",
     "DCC-1", "PPN002", "Share of spend with SMEs (%)"],
]  # fmt: skip


def demo_catalogue_files() -> list[DemoFile]:
    """The edition, crosswalk and local proxies (reference/), then the return using them."""
    return [
        DemoFile("reference/frameworks/demo-licensed-style-2025.xlsx", _edition_workbook()),
        DemoFile("reference/crosswalks/ecc-and-ppn002.csv", _csv(_CROSSWALK)),
        DemoFile("reference/local-proxies/nt1-manchester.csv", _csv(_LOCAL_PROXIES)),
        DemoFile(f"incoming/{DEMO_COUNCIL}/2025-26-q1-licensed-edition.csv", _csv(_RETURN)),
    ]
