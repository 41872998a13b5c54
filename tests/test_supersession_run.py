"""Supersession as `svw run` tells it: the run summary's sentences and the sender's report,
through the whole Dagster job, on DuckDB and PostgreSQL.

Run 1 loads q1.csv: three lines of Leeds City Council's return (contract C1,
2025-04-01 to 2025-06-30). Run 2 loads four files:

- q1-v2.csv, two lines of the same return: q1.csv's 3 lines no longer count;
- q2.csv, one line for the next quarter: another return, it replaces nothing;
- jobs.csv then spend.csv, the split return (contract C2, 2025-10-01 to 2025-12-31, two
  lines of jobs, then one line of spend in a second file): spend.csv replaces the
  whole return, so jobs.csv's 2 lines no longer count.

Run 2 loads 2 + 1 + 2 + 1 = 6 lines, of which 2 + 1 + 0 + 1 = 4 count.
"""

from __future__ import annotations

import pytest

from configuration import Settings
from ingest.bucket import Bucket
from ingest.reports import REPLACED_MEANS
from svw.runner import run_pipeline
from tests.returns import csv_bytes
from tests.test_reports import opened, values

pytestmark = pytest.mark.slow

HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref\n"
)
LEEDS = "GB-LAE-LDS,Leeds City Council,public"
Q1, Q2, Q3 = "2025-04-01,2025-06-30", "2025-07-01,2025-09-30", "2025-10-01,2025-12-31"


def return_file(*lines: str) -> bytes:
    return csv_bytes(HEADER + "".join(f"{LEEDS},{line}\n" for line in lines))


FIRST_RUN = {
    "incoming/leeds-council/q1.csv": return_file(
        f"{Q1},NT24,100,E08000035,C1", f"{Q1},NT10,12,E08000035,C1", f"{Q1},NT14,500,E08000035,C1"
    ),
}
SECOND_RUN = {
    "incoming/leeds-council/q1-v2.csv": return_file(
        f"{Q1},NT24,120,E08000035,C1", f"{Q1},NT10,12,E08000035,C1"
    ),
    "incoming/leeds-council/q2.csv": return_file(f"{Q2},NT24,80,E08000035,C1"),
    "incoming/leeds-council/jobs.csv": return_file(
        f"{Q3},NT1,1,E08000035,C2", f"{Q3},NT1,2,E08000035,C2"
    ),
    "incoming/leeds-council/spend.csv": return_file(f"{Q3},NT14,9000,E08000035,C2"),
}
Q1_NOTICE = (
    "file incoming/leeds-council/q1-v2.csv replaces return (GB-LAE-LDS, C1, 2025-04-01 to "
    "2025-06-30) from file incoming/leeds-council/q1.csv: 3 earlier lines no longer count"
)
SPLIT_NOTICE = (
    "file incoming/leeds-council/spend.csv replaces return (GB-LAE-LDS, C2, 2025-10-01 to "
    "2025-12-31) from file incoming/leeds-council/jobs.csv: 2 earlier lines no longer count"
)


def drop_and_run(settings: Settings, files: dict[str, bytes]) -> list[str]:
    bucket = Bucket(settings.bucket_url, settings.s3_endpoint_url)
    for path, data in files.items():  # in this order: each later file is received later
        bucket.write(path, data)
    outcome = run_pipeline(settings, settle_seconds=0)
    assert outcome.success, outcome.failure
    return outcome.summary_text().splitlines()


def test_the_run_summary_and_the_senders_report_say_what_was_replaced(
    seeded_engine_settings: Settings,
) -> None:
    first = drop_and_run(seeded_engine_settings, FIRST_RUN)
    assert "  files loaded:    1 (3 lines)" in first
    assert "  lines that count: 3 of the 3 loaded" in first
    assert not [line for line in first if "replaces" in line]

    second = drop_and_run(seeded_engine_settings, SECOND_RUN)
    assert "  files loaded:    4 (6 lines)" in second
    assert "  lines that count: 4 of the 6 loaded" in second
    bucket_url = seeded_engine_settings.bucket_url
    start = second.index(f"  {Q1_NOTICE}")
    assert second[start : start + 4] == [
        f"  {Q1_NOTICE}",
        f"  report for the sender: {bucket_url}/archive/leeds-council/q1-v2.csv.report.xlsx",
        f"  {SPLIT_NOTICE}",
        f"  report for the sender: {bucket_url}/archive/leeds-council/spend.csv.report.xlsx",
    ]
    assert len([line for line in second if "replaces" in line]) == 2  # q2.csv replaced nothing

    bucket = Bucket(bucket_url)
    report = opened(bucket.read("archive/leeds-council/spend.csv.report.xlsx"))
    assert values(report) == [
        ("File", "incoming/leeds-council/spend.csv"),
        ("Result", "Loaded: 1 line."),
        ("Lines that count", 1),
        ("What this means", REPLACED_MEANS),
        (None, None),
        ("Replaced", None),
        (None, SPLIT_NOTICE),
    ]
    assert not bucket.exists("archive/leeds-council/q2.csv.report.xlsx")
    assert not bucket.exists("archive/leeds-council/q1.csv.report.xlsx")
