"""The `svw` command as a submitter and an engineer use it (real subprocesses)."""

from __future__ import annotations

import csv
import io
import os
import pty
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from configuration import DBT_PROJECT_DIR, Settings
from ingest.bucket import Bucket
from svw import offline
from tests.editions import CROSSWALK, EDITION_XLSX
from tests.returns import BAD_CSV, LEEDS_Q1, csv_bytes
from tests.test_ingest_pass import ingest
from tests.warehouses import raw_rows
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

SVW = str(Path(sys.executable).parent / "svw")


def svw(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SVW, *args], cwd=cwd, env=os.environ.copy(), capture_output=True, text=True
    )


def test_validate_reports_rows_and_writes_nothing(svw_settings: Settings, tmp_path: Path) -> None:
    work = tmp_path / "submitter"
    work.mkdir()
    (work / "good.csv").write_bytes(LEEDS_Q1)
    (work / "bad.csv").write_bytes(BAD_CSV)

    result = svw("validate", "good.csv", "bad.csv", cwd=work)

    assert result.returncode == 1, result.stderr
    assert "OK       good.csv: 2 lines would load" in result.stdout
    assert "REJECTED bad.csv: 2 error(s)" in result.stdout
    assert "row 3, column quantity, value '-5'" in result.stdout
    assert "row 4, column measure_code, value 'NT999'" in result.stdout
    assert sorted(p.name for p in work.iterdir()) == ["bad.csv", "good.csv"]
    assert not svw_settings.warehouse.path.exists()
    assert not Path(svw_settings.bucket_url).exists()
    # No run was recorded: the Dagster home holds only its committed configuration.
    assert [p.name for p in svw_settings.dagster_home.iterdir()] == ["dagster.yaml"]


def test_validate_exits_zero_when_every_file_would_load(
    svw_settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "good.csv").write_bytes(LEEDS_Q1)
    assert svw("validate", "good.csv", cwd=tmp_path).returncode == 0


def test_validate_seeds_once_and_again_only_when_the_seeds_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seedings: list[Path] = []
    seed = offline.seed_reference_tables
    monkeypatch.setattr(
        offline, "seed_reference_tables", lambda at, *a: seedings.append(at.path) or seed(at, *a)
    )
    kept = offline.seeded_catalogue(tmp_path)
    assert offline.seeded_catalogue(tmp_path) == kept
    assert len(seedings) == 1
    with (DBT_PROJECT_DIR / "seeds" / "measure_catalogue.csv").open(encoding="utf-8") as seed_file:
        seed_codes = sorted(row["measure_code"] for row in csv.DictReader(seed_file))
    with duckdb.connect(str(kept), read_only=True) as kept_file:
        kept_codes = kept_file.sql(
            "select measure_code from reference.measure_catalogue order by 1"
        ).fetchall()
    assert [code for (code,) in kept_codes] == seed_codes
    # Another fingerprint (an edited seed, a new dbt): seeded again, the old file removed.
    monkeypatch.setattr(offline, "seed_fingerprint", lambda: "f" * 64)
    renewed = offline.seeded_catalogue(tmp_path)
    assert len(seedings) == 2
    assert sorted((tmp_path / "seeded-catalogue").iterdir()) == [renewed]


def test_validate_knows_a_commitment_file_by_its_folder_or_kind(
    svw_settings: Settings, tmp_path: Path
) -> None:
    from tests.test_commitment_ingest import BAD, GOOD

    (tmp_path / "commitments").mkdir()
    (tmp_path / "commitments" / "nb-1.csv").write_bytes(GOOD)
    (tmp_path / "bad.csv").write_bytes(BAD)
    by_folder = svw("validate", "commitments/nb-1.csv", cwd=tmp_path)
    assert by_folder.returncode == 0, by_folder.stdout
    assert "OK       commitments/nb-1.csv: 3 lines would load" in by_folder.stdout
    by_kind = svw("validate", "--kind", "commitments", "bad.csv", cwd=tmp_path)
    assert by_kind.returncode == 1
    assert "REJECTED bad.csv: 3 error(s)" in by_kind.stdout
    assert "row 3, column contract_value_gbp, value '900000'" in by_kind.stdout
    # Read as a delivery return, the same file lacks the period columns.
    as_delivery = svw("validate", "--kind", "delivery", "commitments/nb-1.csv", cwd=tmp_path)
    assert 'Required column "period_start" was not found' in as_delivery.stdout
    assert svw("template", "--kind", "commitments", cwd=tmp_path).returncode == 0
    header = (tmp_path / "commitments-template.csv").read_text(encoding="utf-8-sig")
    assert header.splitlines()[0].split(",")[3:6] == [
        "contract_ref",
        "contract_start",
        "contract_end",
    ]


def test_templates(svw_settings: Settings, tmp_path: Path) -> None:
    assert svw("template", "--format", "csv", "-o", "t.csv", cwd=tmp_path).returncode == 0
    header = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:8] == [
        "organisation_id",
        "organisation_name",
        "sector",
        "period_start",
        "period_end",
        "measure_code",
        "quantity",
        "place_code",
    ]
    assert svw("template", "--format", "xlsx", cwd=tmp_path).returncode == 0
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "return-template.xlsx").read_bytes()))
    assert book.sheetnames == ["Return", "Instructions", "Measures", "Places"]
    codes = {row[1] for row in book["Measures"].iter_rows(values_only=True)}
    assert {"NT1", "NT24", "NT31", "NT40"} <= codes
    kind = ("--kind", "commitments")
    assert svw("template", "--format", "xlsx", *kind, cwd=tmp_path).returncode == 0
    data = (tmp_path / "commitments-template.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [cell.value for cell in book["Return"][1]][3:6] == [
        "contract_ref",
        "contract_start",
        "contract_end",
    ]
    assert book["Instructions"]["A1"].value == "How to fill in this commitment return"
    lists = {v.promptTitle: v.type for v in book["Return"].data_validations.dataValidation}
    assert (lists["sector"], lists["measure_code"], lists["place_code"]) == ("list",) * 3


def svw_on_a_terminal(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """``svw`` with its standard error on a pseudo-terminal (as when run by hand): the
    finished process, and everything the terminal showed."""
    controller, terminal = pty.openpty()
    shown = bytearray()
    # Drained as it comes: a full terminal buffer would stop the process mid-run.
    reader = threading.Thread(target=_drain, args=(controller, shown))
    reader.start()
    try:
        result = subprocess.run(
            [SVW, *args], cwd=cwd, env=os.environ.copy(), stdout=subprocess.PIPE,
            stderr=terminal, text=True,
        )  # fmt: skip
    finally:
        os.close(terminal)
        reader.join()
        os.close(controller)
    return result, shown.decode(errors="replace")


def _drain(controller: int, into: bytearray) -> None:
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # every writer closed
            return
        if not chunk:
            return
        into += chunk


def test_run_exits_zero_with_rejections_and_leaves_fresh_uploads_alone(
    seeded_svw_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One `svw run` (each costs a whole pipeline): files older than the settle window
    are loaded or rejected, with the summary printed; a fresh upload is left alone. On
    a terminal, bars show the files and dbt's models and tests, each to its end."""
    monkeypatch.setenv("SVW_SETTLE_SECONDS", "3600")
    bucket = Bucket(seeded_svw_settings.bucket_url)
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    bucket.write("incoming/acme-build/bad.csv", BAD_CSV)
    two_hours_ago = time.time() - 7200
    for settled in ("incoming/leeds-council/q1.csv", "incoming/acme-build/bad.csv"):
        os.utime(Path(seeded_svw_settings.bucket_url) / settled, (two_hours_ago, two_hours_ago))
    fresh = LEEDS_Q1.replace(b"Two apprentices", b"Three apprentices")
    bucket.write("incoming/leeds-council/q2.csv", fresh)

    result, terminal = svw_on_a_terminal("run", cwd=tmp_path)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal)  # colours and cursor moves

    assert result.returncode == 0, result.stdout + shown
    # each bar's last frame before it goes: all done, e.g. "dbt: warehouse_models ... 231/231"
    files = re.findall(r"files \(\S+\)\D*(\d+)/(\d+)", shown)
    assert files[-1] == ("2", "2")
    models = re.findall(r"dbt: warehouse_models\D*(\d+)/(\d+)", shown)
    done, total = map(int, models[-1])
    assert done == total > 50
    assert "files loaded:    1 (2 lines)" in result.stdout
    assert "files rejected:  1" in result.stdout
    assert "rejected/acme-build/bad.csv.errors.xlsx" in result.stdout
    assert bucket.exists("incoming/leeds-council/q2.csv")
    assert not bucket.exists("incoming/leeds-council/q1.csv")


def test_validator_failure_fails_the_run_and_leaves_the_file_pending(
    seeded_svw_settings: Settings, tmp_path: Path
) -> None:
    """A broken validator (GX's DuckDB metrics failing, as without the compatibility
    layer) is an infrastructure failure: exit non-zero, nothing rejected or loaded."""
    bucket = Bucket(seeded_svw_settings.bucket_url)
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    script = textwrap.dedent(
        """
        import sys
        import expectations.duckdb_compat as compat
        compat.apply = lambda: None  # GX on DuckDB without the layer: every metric errors
        from svw.cli import main
        sys.argv = ["svw", "run"]
        main()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "FAILED" in result.stdout
    assert "infrastructure error" in result.stdout
    assert bucket.pending(0)[0].path == "incoming/leeds-council/q1.csv"
    assert not bucket.exists("rejected")
    assert raw_rows(seeded_svw_settings, "select count(*) from raw.submissions") == [(0,)]
    assert raw_rows(seeded_svw_settings, "select count(*) from raw.return_lines") == [(0,)]


def test_validate_checks_codes_against_the_editions_loaded_in_the_warehouse(
    svw_settings: Settings, seeded_duckdb: Path, tmp_path: Path
) -> None:
    shutil.copy(seeded_duckdb, svw_settings.warehouse.path)
    bucket = Bucket(svw_settings.bucket_url)
    bucket.write("reference/frameworks/essex.xlsx", EDITION_XLSX)
    bucket.write("reference/crosswalks/ecc.csv", CROSSWALK)
    with open_warehouse(svw_settings.warehouse) as warehouse:
        ingest(bucket, warehouse)
    (tmp_path / "ecc.csv").write_bytes(
        csv_bytes(
            "organisation_id,organisation_name,sector,period_start,period_end,"
            "measure_code,quantity,place_code,framework\n"
            "GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,ECC24D,2,E08000035,ECC\n"
        )
    )
    result = svw("validate", "ecc.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        "Measure codes are checked against the editions and crosswalks loaded in the "
        "warehouse, and the shipped catalogue.",
        "OK       ecc.csv: 1 lines would load",
    ]


def test_catalogue_check_reports_an_edition_file_by_row(
    svw_settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "edition.csv").write_bytes(
        csv_bytes("Ref,Theme,Units,Proxy value\nA1,Jobs,hours,5\nA2,Wellbeing,hours,-2\n")
    )
    result = svw("catalogue", "check", "edition.csv", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "Checked against the shipped catalogue (no warehouse with loaded editions was found).",
        "REJECTED edition.csv: 2 error(s)",
        "  - row 3, column theme, value 'Wellbeing': Theme 'Wellbeing' is not one of the "
        "five TOMs themes: Jobs, Growth, Social, Environment, Innovation (headings such as "
        "'Jobs: Promote Local Skills and Employment' are read too). Correct the theme.",
        "  - row 3, column proxy_value_gbp, value '-2': Proxy value '-2' is negative: a "
        "proxy is pounds of value per unit, 0 or more. Correct the value.",
    ]
