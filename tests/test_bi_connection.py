"""BI connections, tested the way BI tools connect: not through the project's code.

DuckDB: the SQLAlchemy URI the README gives for Superset, through duckdb-engine, on
the published snapshot. PostgreSQL: the `psql` client as a login in the reader role,
made with the README's own statement. Both run the README's example queries, and both
are refused any write. The warehouse is tests/published_marts.py (hand-worked totals).
"""

from __future__ import annotations

import re
import subprocess

import psycopg2
import pytest
import sqlalchemy as sa

from configuration import PROJECT_ROOT, PostgresDatabase
from tests.postgres_cluster import postgres_bin_dir
from tests.published_marts import READER_ROLE, Published

pytestmark = pytest.mark.slow

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
BI_SECTION = README.split("\n## Connecting a BI tool\n", 1)[1].split("\n## ", 1)[0]
BI_LOGIN = "metabase"

# Latest year (2024-25), by value per head: place, value, residents, per head, decile.
PER_HEAD = [
    ("Leeds", 1_644_966.0, 822_483, 2.0, 3),
    ("Cardiff", 372_089.0, 372_089, 1.0, None),  # Wales: no English index
    ("Blackpool", 1_650.0, 141_574, 0.01, 1),
]
# England's value by IMD decile and year: Blackpool is decile 1, Leeds decile 3.
DECILE_VALUE = {
    ("2023-24", 1): 1_415_740.0,
    ("2023-24", 3): 4_112_415.0,
    ("2024-25", 1): 1_650.0,
    ("2024-25", 3): 1_644_966.0,
}
ENGLAND = {"2023-24": 5_528_155.0, "2024-25": 1_646_616.0}
WRITES = (
    "insert into marts.dim_place (place_code) values ('E09999999')",
    "create table marts.mine (v integer)",
    "drop table marts.place_need",
)


def readme_queries() -> list[str]:
    block = BI_SECTION.split("Example queries", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    return [q.strip() for q in block.split(";") if q.strip()]


def readme_superset_uri(serving_path) -> str:
    uri = re.search(r"`(duckdb:////abs/path/serving\.duckdb\?[^`]+)`", BI_SECTION).group(1)
    return uri.replace("/abs/path/serving.duckdb", str(serving_path))


def assert_example_answers(per_head: list[tuple], deciles: list[tuple]) -> None:
    assert [
        (name, float(value), int(people), float(head), decile)
        for name, value, people, head, decile in per_head
    ] == PER_HEAD
    assert [(year, decile) for year, decile, *_ in deciles] == [
        (year, decile) for year in ENGLAND for decile in range(1, 11)
    ]
    for year, decile, value, value_share, population_share, ratio in deciles:
        expected = DECILE_VALUE.get((year, decile), 0.0)
        assert float(value) == expected
        assert float(value_share) == pytest.approx(expected / ENGLAND[year])
        assert float(ratio) == pytest.approx(float(value_share) / float(population_share))
    for year in ENGLAND:
        shares = [float(row[4]) for row in deciles if row[0] == year]
        assert sum(shares) == pytest.approx(1.0)


@pytest.mark.parametrize("published_marts", ["duckdb"], indirect=True)
def test_superset_uri_reads_the_snapshot_and_refuses_writes(published_marts: Published) -> None:
    engine = sa.create_engine(readme_superset_uri(published_marts.settings.serving_path))
    try:
        with engine.connect() as connection:
            per_head, deciles = (connection.exec_driver_sql(q).all() for q in readme_queries())
            assert_example_answers(per_head, deciles)
            for write in WRITES:
                with pytest.raises(sa.exc.DBAPIError, match="read-only mode"):
                    connection.exec_driver_sql(write)
                connection.rollback()  # as a BI tool does after a failed statement
    finally:
        engine.dispose()


def _psql(database: PostgresDatabase, user: str, sql: str) -> subprocess.CompletedProcess[str]:
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None, "the PostgreSQL client is installed with the server"
    return subprocess.run(
        [
            str(bin_dir / "psql"),
            "--no-psqlrc",
            "--no-align",
            "--tuples-only",
            "--field-separator=|",
            "--set=ON_ERROR_STOP=1",
            f"--host={database.host}",
            f"--port={database.port}",
            f"--username={user}",
            f"--dbname={database.database}",
            "--command",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _rows(output: str) -> list[tuple]:
    def value(text: str):
        if text == "":
            return None
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text

    return [tuple(value(cell) for cell in line.split("|")) for line in output.splitlines()]


@pytest.mark.parametrize("published_marts", ["postgres"], indirect=True)
def test_psql_as_a_reader_login_selects_and_is_refused_writes(published_marts: Published) -> None:
    database = published_marts.settings.warehouse
    admin = psycopg2.connect(
        host=database.host, port=database.port, user=database.user, dbname=database.database
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"drop role if exists {BI_LOGIN}")
        # The README's statement, as an administrator (trust auth here, so no password).
        cursor.execute(f"create role {BI_LOGIN} login password 'choose-one' in role {READER_ROLE}")
    admin.close()

    per_head, deciles = (_psql(database, BI_LOGIN, q) for q in readme_queries())
    assert per_head.returncode == 0, per_head.stderr
    assert deciles.returncode == 0, deciles.stderr
    assert_example_answers(_rows(per_head.stdout), _rows(deciles.stdout))
    for write in WRITES:
        refused = _psql(database, BI_LOGIN, write)
        assert refused.returncode != 0
        # Refused for want of a privilege (a drop: for not being the owner).
        assert re.search("permission denied|must be owner", refused.stderr), refused.stderr
