"""The two file-store adapters against real storage: a directory, and an S3-compatible server
(moto's server mode, a separate process on a free port)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from taskhive_shared.files import (
    FileMissing,
    FileStore,
    FileStoreSettings,
    FilesystemFileStore,
    FileTooLarge,
    build_file_store,
)
from taskhive_shared.files.s3 import S3FileStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_bucket(s3_endpoint: str) -> str:
    bucket = f"taskhive-test-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "filesystem":
        return FilesystemFileStore(tmp_path)
    settings = FileStoreSettings(
        files_backend="s3",
        files_s3_bucket=request.getfixturevalue("s3_bucket"),
        files_s3_prefix=f"run-{uuid.uuid4().hex[:8]}",
        files_s3_endpoint_url=request.getfixturevalue("s3_endpoint"),
        files_s3_region="us-east-1",
        files_s3_access_key_id="test",
        files_s3_secret_access_key="test",  # type: ignore[arg-type]
    )
    built = build_file_store(settings)
    assert isinstance(built, S3FileStore)
    return built


def _chunks(count: int, size: int) -> Iterator[bytes]:
    for index in range(count):
        yield bytes([index % 251]) * size


def test_round_trip_of_a_multipart_sized_file(store: FileStore) -> None:
    # 20 MiB: more than two S3 parts, streamed in and out in constant memory.
    expected = hashlib.sha256(b"".join(_chunks(20, 1024 * 1024))).hexdigest()
    tracemalloc.start()
    stored = store.put("exports/big.bin", _chunks(20, 1024 * 1024))
    digest = hashlib.sha256()
    with store.open("exports/big.bin") as stream:
        while chunk := stream.read(256 * 1024):
            digest.update(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (stored.size, stored.sha256, digest.hexdigest()) == (
        20 * 1024 * 1024,
        expected,
        expected,
    )
    assert peak < 16 * 1024 * 1024  # well under the file's 20 MiB


def test_replace_delete_and_missing(store: FileStore) -> None:
    store.put("imports/a.csv", [b"one"], content_type="text/csv")
    store.put("imports/a.csv", [b"two"], content_type="text/csv")
    with store.open("imports/a.csv") as stream:
        assert stream.read() == b"two"
    store.delete("imports/a.csv")
    store.delete("imports/a.csv")
    with pytest.raises(FileMissing):
        store.open("imports/a.csv")


def test_too_large_stores_nothing(store: FileStore) -> None:
    with pytest.raises(FileTooLarge):
        store.put("imports/huge.csv", _chunks(4, 1024), max_bytes=3000)
    with pytest.raises(FileMissing):
        store.open("imports/huge.csv")


def test_list_expired_sees_only_its_prefix_and_age(store: FileStore) -> None:
    store.put("exports/x/1.csv", [b"1"])
    store.put("reports/2.csv", [b"2"])
    future = datetime.now(UTC) + timedelta(minutes=5)
    assert list(store.list_expired("exports", future)) == ["exports/x/1.csv"]
    assert list(store.list_expired("exports", datetime.now(UTC) - timedelta(days=1))) == []
