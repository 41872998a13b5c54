"""All configuration: environment variables with documented defaults, read in one place.

The bottom layer: it imports nothing of the project's. :meth:`Settings.from_env` is the
only reader of ``SVW_*`` variables; the CLI calls it once and every other layer receives
the resulting :class:`Settings` (or the plain values in it). The README's
"Configuration" section lists the same variables, and a test keeps the two in step.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MEASURE_CATALOGUE_SEED = DBT_PROJECT_DIR / "seeds" / "measure_catalogue.csv"
PLACES_SEED = DBT_PROJECT_DIR / "seeds" / "places.csv"
# dbt's manifest, parsed by `make`: the models' documented descriptions (exports read them).
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
# The committed Dagster instance configuration (telemetry off, one writing run at a time).
DAGSTER_YAML = PROJECT_ROOT / "dagster_home" / "dagster.yaml"

DEFAULT_EDITION = "svw-illustrative-2026"
DEFAULT_READER_ROLE = "svw_reader"

# Usage reporting of every tool in the stack is switched off (no telemetry).
TELEMETRY_OFF: Mapping[str, str] = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
}

POSTGRES_SCHEMES = ("postgresql", "postgres")
# BI tools read this schema, on every engine.
MARTS_SCHEMA = "marts"
# On PostgreSQL dbt builds the next marts under this name and
# serving swaps it in (serving/postgres_schema.py).
POSTGRES_MARTS_BUILD_SCHEMA = "marts_build"


class ConfigurationError(ValueError):
    """A setting has a value the pipeline cannot use; the message says which and why."""


def _absolute(path: str) -> Path:
    return Path(path).expanduser().resolve()


@dataclass(frozen=True)
class PostgresDatabase:
    """Where a PostgreSQL warehouse lives."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    database: str = "svw"

    @classmethod
    def from_url(cls, url: str) -> PostgresDatabase:
        parts = urlsplit(url)
        if parts.scheme not in POSTGRES_SCHEMES or not parts.path.strip("/"):
            raise ConfigurationError(
                f"SVW_WAREHOUSE={url!r}: a PostgreSQL warehouse is written "
                "postgresql://user:password@host:port/database"
            )
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            database=unquote(parts.path.strip("/")),
        )

    def sqlalchemy_url(self) -> str:
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        return f"postgresql+psycopg2://{credentials}@{self.host}:{self.port}/{self.database}"


# DuckDB's memory_limit for every connection to the warehouse (SVW_DUCKDB_MEMORY_LIMIT).
# A run's process holds about 0.6 GiB besides (Python, Dagster, dbt's and GX's code): with
# 768MB its peak stays under 1.5 GiB at 10M lines, as fast as with 1GB
# (docs/benchmarks.md, seventh sitting).
DEFAULT_DUCKDB_MEMORY_LIMIT = "768MB"
_DUCKDB_SIZE = re.compile(r"\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)", re.IGNORECASE)


@dataclass(frozen=True)
class DuckDBFile:
    """A DuckDB warehouse: one file on this machine.

    ``memory_limit`` bounds what DuckDB holds in memory for every connection to it, in
    this process (ingestion, the quality gate) and in dbt's; beyond it DuckDB spills
    to ``<path>.tmp`` beside the file, so large files load in bounded memory.
    """

    path: Path
    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    def __post_init__(self) -> None:
        if not _DUCKDB_SIZE.fullmatch(self.memory_limit.strip()):
            raise ConfigurationError(
                f"SVW_DUCKDB_MEMORY_LIMIT={self.memory_limit!r}: give a size such as 1GB, "
                "512MB or 2GiB"
            )


WarehouseLocation = DuckDBFile | PostgresDatabase


def warehouse_key(location: WarehouseLocation) -> str:
    """A short folder name that tells warehouses apart: ``duckdb-warehouse-1a2b3c4d5e``.

    Readable for a person listing the folder; the digest keeps two warehouses of the
    same name (or two servers with the same database name) apart.
    """
    if isinstance(location, DuckDBFile):
        engine, name, identity = "duckdb", location.path.stem, str(location.path)
    else:
        engine, name = "postgres", location.database
        identity = f"{location.user}@{location.host}:{location.port}/{location.database}"
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:40] or engine
    return f"{engine}-{slug}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


def _warehouse_location(env: Mapping[str, str]) -> WarehouseLocation:
    value = env.get("SVW_WAREHOUSE", "")
    if value.split("://", 1)[0] in POSTGRES_SCHEMES:
        return PostgresDatabase.from_url(value)
    if not value and env.get("SVW_PG_HOST"):
        return PostgresDatabase(
            host=env["SVW_PG_HOST"],
            port=int(env.get("SVW_PG_PORT", "5432")),
            user=env.get("SVW_PG_USER", "postgres"),
            password=env.get("SVW_PG_PASSWORD", ""),
            database=env.get("SVW_PG_DATABASE", "svw"),
        )
    if "://" in value:
        raise ConfigurationError(
            f"SVW_WAREHOUSE={value!r}: give a DuckDB file path or a postgresql:// URL"
        )
    return DuckDBFile(
        _absolute(value or "./data/warehouse.duckdb"),
        memory_limit=env.get("SVW_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
    )


def output_location(value: str) -> str:
    """Where a report or export goes: an ``s3://`` URL as given (no trailing slash), or a
    local folder made absolute, so subprocesses agree; empty stays empty (not set)."""
    if value.startswith("s3://") or not value:
        return value.rstrip("/")
    if "://" in value:
        raise ConfigurationError(f"{value!r}: give a folder or an s3:// URL")
    return str(_absolute(value))


def _number(env: Mapping[str, str], name: str, default: str) -> float:
    text = env.get(name, default)
    try:
        return float(text)
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Local paths are absolute, so subprocesses (dbt) agree."""

    bucket_url: str
    warehouse: WarehouseLocation
    serving_path: Path
    dagster_home: Path
    settle_seconds: float = 30.0
    max_file_bytes: int = 200 * 1024 * 1024
    default_edition: str = DEFAULT_EDITION
    # The edition marts.place_totals_at_price_base re-prices at; None: the newest
    # loaded non-illustrative edition, else the default edition (decided in dbt).
    price_base_edition: str | None = None
    s3_endpoint_url: str | None = None
    reader_role: str = DEFAULT_READER_ROLE
    # Where every run publishes the marts as files (a folder or s3://); None: not published.
    export_url: str | None = None
    # The place report: a local folder (absolute) or an s3:// prefix.
    report_dir: str = str(PROJECT_ROOT / "data" / "report")
    # What may be rebuilt at will: `svw validate`'s seeded catalogue (svw.offline).
    cache_dir: Path = platformdirs.user_cache_path("svw")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        bucket = env.get("SVW_BUCKET", "./data/bucket")
        if "://" not in bucket:
            bucket = str(_absolute(bucket))
        return cls(
            bucket_url=bucket,
            warehouse=_warehouse_location(env),
            serving_path=_absolute(env.get("SVW_SERVING", "./data/serving.duckdb")),
            dagster_home=_absolute(env.get("DAGSTER_HOME", str(DAGSTER_YAML.parent))),
            settle_seconds=_number(env, "SVW_SETTLE_SECONDS", "30"),
            max_file_bytes=int(_number(env, "SVW_MAX_FILE_MB", "200") * 1024 * 1024),
            default_edition=env.get("SVW_DEFAULT_EDITION", DEFAULT_EDITION),
            price_base_edition=env.get("SVW_PRICE_BASE_EDITION") or None,
            # The standard AWS variable; credentials come from the usual AWS chain.
            s3_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            reader_role=env.get("SVW_PG_READER_ROLE", DEFAULT_READER_ROLE),
            export_url=output_location(env.get("SVW_EXPORT", "")) or None,
            report_dir=output_location(env.get("SVW_REPORT_DIR", "./data/report")),
            cache_dir=_absolute(env.get("SVW_CACHE_DIR") or str(cls.cache_dir)),
        )

    @property
    def dbt_artefacts_dir(self) -> Path:
        """Where dbt writes its artefacts and logs for this warehouse (never dbt_project/).

        One folder per warehouse, since dbt's partial parsing is valid only for the
        profile (the warehouse) it was made with.
        """
        return self.dagster_home / "dbt" / warehouse_key(self.warehouse)

    @property
    def chart_cache_dir(self) -> Path:
        """The report's charts already drawn, for this warehouse (serving.report.svg_cache)."""
        return self.dagster_home / "charts" / warehouse_key(self.warehouse)

    @property
    def docs_path(self) -> Path:
        """The static dbt docs site (`svw docs`), in the serving area beside the snapshot."""
        return self.serving_path.parent / "docs"

    def child_environment(self) -> dict[str, str]:
        """What a child process (dbt, a Dagster code server) needs to see these settings.

        dbt reads its profile only from environment variables (dbt_project/profiles.yml),
        so this is the one bridge from :class:`Settings` to the environment.
        """
        env = {
            **TELEMETRY_OFF,
            "SVW_BUCKET": self.bucket_url,
            "SVW_SERVING": str(self.serving_path),
            "SVW_SETTLE_SECONDS": str(self.settle_seconds),
            "SVW_MAX_FILE_MB": str(self.max_file_bytes / (1024 * 1024)),
            "SVW_DEFAULT_EDITION": self.default_edition,
            "SVW_PRICE_BASE_EDITION": self.price_base_edition or "",
            "SVW_PG_READER_ROLE": self.reader_role,
            "SVW_EXPORT": self.export_url or "",
            "SVW_REPORT_DIR": self.report_dir,
            "SVW_CACHE_DIR": str(self.cache_dir),
            "DAGSTER_HOME": str(self.dagster_home),
        }
        if self.s3_endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.s3_endpoint_url
        return {**env, **dbt_environment(self.warehouse)}


def dbt_environment(location: WarehouseLocation) -> dict[str, str]:
    """The variables dbt_project/profiles.yml reads to reach ``location``."""
    if isinstance(location, DuckDBFile):
        return {
            "SVW_DBT_TARGET": "duckdb",
            "SVW_WAREHOUSE": str(location.path),
            "SVW_DUCKDB_MEMORY_LIMIT": location.memory_limit,
            "SVW_DBT_MARTS_SCHEMA": MARTS_SCHEMA,
        }
    return {
        "SVW_DBT_TARGET": "postgres",
        "SVW_DBT_MARTS_SCHEMA": POSTGRES_MARTS_BUILD_SCHEMA,
        "SVW_WAREHOUSE": "",
        "SVW_PG_HOST": location.host,
        "SVW_PG_PORT": str(location.port),
        "SVW_PG_USER": location.user,
        "SVW_PG_PASSWORD": location.password,
        "SVW_PG_DATABASE": location.database,
    }
