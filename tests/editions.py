"""An invented "licensed-style" edition, crosswalk and local proxies, for the tests.

Nothing here is an official National TOMs value (those are CC BY-NC-ND and never
shipped): codes look like TOMs codes, values are made up for round arithmetic, and
every file says INVENTED. The edition is laid out like a council's own workbook
(Essex-like): title rows above the header, "Ref", "Units", "Proxy value" headers,
theme headings as TOMs words them.
"""

from __future__ import annotations

from tests.returns import csv_bytes, xlsx_bytes

EDITION = "tests-essex-2025"
SOURCE = "INVENTED for the tests: not official TOMs values"
HEADER = [
    "Ref",
    "Theme",
    "Outcome",
    "Measure",
    "Units",
    "Proxy value",
    "Value type",
    "Excludes",
    "Source",
    "Licence",
]


def edition_rows(nt24_proxy: object = "£20.00") -> list[list[object]]:
    """The workbook's rows: two title rows, a blank row, the header on row 4."""
    jobs = "Jobs: Promote Local Skills and Employment"
    return [
        ["Essex-style social value measures: INVENTED values for the tests"],
        [f"Edition: {EDITION}"],
        [],
        HEADER,
        [
            "NT1",
            jobs,
            "More local people in employment",
            "Local people employed",
            "people (FTE)",
            None,
            "Localised",
            None,
            SOURCE,
            "test-only",
        ],
        [
            "NT1c",
            jobs,
            "More local people in employment",
            "Local people employed in the supply chain",
            "FTE",
            10000,
            None,
            "NT1",
            SOURCE,
            "test-only",
        ],
        [
            "NT8",
            jobs,
            "Improved skills",
            "Weeks of training",
            "weeks",
            None,
            "Record only",
            None,
            SOURCE,
            "test-only",
        ],
        [
            "NT24",
            "Social: Healthier, Safer and more Resilient Communities",
            "More resilient communities",
            "Hours volunteered",
            "hrs",
            nt24_proxy,
            None,
            None,
            SOURCE,
            "test-only",
        ],
        [
            "NT14",
            "Growth: Supporting Growth of Responsible Regional Business",
            "More opportunities for local businesses",
            "Spend with local small firms",
            "£",
            1,
            None,
            None,
            SOURCE,
            "test-only",
        ],
    ]


EDITION_XLSX = xlsx_bytes(edition_rows())
# The same edition, corrected: NT24 is worth 25.00 an hour, not 20.00.
CORRECTED_XLSX = xlsx_bytes(edition_rows(nt24_proxy=25))

# ECC24D counts volunteering in days of 7.5 hours; PPN002's SRM5 is a percentage,
# whose unit matches no measure: known, mapped to nothing.
CROSSWALK = csv_bytes(
    "from_framework,from_code,to_edition,to_code,factor,note\n"
    f"ECC,ECC24D,{EDITION},NT24,7.5,volunteering days to hours (INVENTED)\n"
    f"ECC,ECC1,{EDITION},NT1,,local employment\n"
    "PPN002,SRM5,,,,a percentage: no measure counts it\n"
)
# The local proxy of NT1 in Leeds only (INVENTED).
LOCAL_PROXIES = csv_bytes(
    "edition,measure_code,place_code,proxy_value_gbp,source\n"
    f"{EDITION},NT1,E08000035,25000,{SOURCE}\n"
)
