"""Write the reference seeds of dbt_project/seeds/ from the official publications.

Owns which publication each seed comes from and the seeds' exact CSV form: the
publications are read with ``ingest.reference_files`` from a reference folder (never
committed: only these derived facts are shipped, under the Open Government Licence
v3.0), and written sorted by key, so that the same files always give the same bytes.

    .venv/bin/python scripts/generate_reference_seeds.py [FOLDER]

FOLDER defaults to ../shared/reference beside the project root.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Run as a file, Python puts scripts/ on the path, not the project root.
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import pyarrow as pa  # noqa: E402

from configuration import DBT_PROJECT_DIR  # noqa: E402
from expectations.errors import FileRejected  # noqa: E402
from ingest.reference_files import (  # noqa: E402
    read_deprivation,
    read_geography,
    read_population,
)

DEFAULT_FOLDER = PROJECT_ROOT.parent / "shared" / "reference"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

GEOGRAPHY = "geography/la_all_codes.csv"
# Mid-2022 on April 2023 districts, and mid-2021 on 2021 districts (for merged places).
POPULATION = (
    "population/mye22final.xlsx",
    "population/ukpopestimatesmid2021on2021geographyfinal.xls",
)
DEPRIVATION = (
    "deprivation/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx",
    "deprivation/imd2025_england_ltla24.csv",
)

PLACES_COLUMNS = (
    "place_code",
    "place_name",
    "utla_code",
    "utla_name",
    "combined_authority_code",
    "combined_authority_name",
    "region_code",
    "region_name",
    "country_code",
    "country_name",
)
SUCCESSORS_COLUMNS = ("place_code", "place_name", "current_place_code", "is_current")
POPULATION_COLUMNS = ("place_code", "place_name", "population_year", "population")
DEPRIVATION_COLUMNS = (
    "imd_edition",
    "place_code",
    "place_name",
    "imd_average_score",
    "imd_rank_of_average_score",
    "imd_proportion_most_deprived_10pct",
)

Row = dict[str, object]


def build_seeds(folder: Path) -> dict[str, str]:
    """Seed file name -> its CSV text, from the publications in ``folder``."""
    districts = _rows(folder, read_geography, (GEOGRAPHY,))
    current = [row for row in districts if row["is_current"]]
    population = _rows(folder, read_population, POPULATION)
    deprivation = _rows(folder, read_deprivation, DEPRIVATION)
    return {
        "places.csv": _csv(PLACES_COLUMNS, current, ("place_code",)),
        "place_code_successors.csv": _csv(SUCCESSORS_COLUMNS, districts, ("place_code",)),
        "population.csv": _csv(POPULATION_COLUMNS, population, ("population_year", "place_code")),
        "deprivation.csv": _csv(DEPRIVATION_COLUMNS, deprivation, ("imd_edition", "place_code")),
    }


def write_seeds(folder: Path, seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    written = []
    for name, text in build_seeds(folder).items():
        path = seeds_dir / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def _rows(folder: Path, read: Callable[[str, bytes], pa.Table], files: Iterable[str]) -> list[Row]:
    rows: list[Row] = []
    for relative in files:
        path = folder / relative
        rows += read(path.name, path.read_bytes()).to_pylist()
    return rows


def _csv(columns: tuple[str, ...], rows: list[Row], key: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in sorted(rows, key=lambda row: tuple(row[k] for k in key)):
        writer.writerow([_text(row[column]) for column in columns])
    return out.getvalue()


def _text(value: object) -> str:
    """As dbt seeds read it on both engines: blank for null, true/false, shortest float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number: 43.467
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=DEFAULT_FOLDER,
        help=f"the reference folder (default: {DEFAULT_FOLDER})",
    )
    folder = parser.parse_args(argv).folder
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder of reference files")
    try:
        written = write_seeds(folder)
    except FileNotFoundError as missing:
        parser.exit(1, f"{missing.filename} is missing from the reference folder\n")
    except FileRejected as rejection:
        parser.exit(1, "".join(f"{error.message}\n" for error in rejection.errors))
    for path in written:
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
