"""File store port: the filesystem adapter, signed links, the download endpoint."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from taskhive_shared.files import (
    FileMissing,
    FileStoreSettings,
    FilesystemFileStore,
    FileTooLarge,
    InvalidKey,
    LinkExpired,
    LinkInvalid,
    LinkSigner,
    build_file_store,
    download_blueprint,
)
from taskhive_shared.http.app import create_service_app

SECRET = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_filesystem_put_open_delete(tmp_path: Path) -> None:
    store = FilesystemFileStore(tmp_path)
    stored = store.put("exports/a/b.csv", iter([b"id,title\n", b"1,x\n"]))
    assert stored.size == 13
    with store.open("exports/a/b.csv") as stream:
        assert stream.read() == b"id,title\n1,x\n"
    store.delete("exports/a/b.csv")
    store.delete("exports/a/b.csv")  # twice is harmless
    with pytest.raises(FileMissing):
        store.open("exports/a/b.csv")


def test_too_large_keeps_nothing_not_even_the_old_file_removed(tmp_path: Path) -> None:
    store = FilesystemFileStore(tmp_path)
    store.put("k.bin", [b"old"])
    with pytest.raises(FileTooLarge):
        store.put("k.bin", [b"x" * 10, b"y" * 10], max_bytes=15)
    with store.open("k.bin") as stream:
        assert stream.read() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.bin"]


@pytest.mark.parametrize(
    "key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "", "a b", "a\x00b", "é"]
)
def test_keys_that_could_escape_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InvalidKey):
        FilesystemFileStore(tmp_path).put(key, [b"x"])


def test_list_expired_by_age(tmp_path: Path) -> None:
    store = FilesystemFileStore(tmp_path)
    store.put("exports/old.csv", [b"1"])
    store.put("exports/new.csv", [b"2"])
    store.put("other/old.csv", [b"3"])
    week_ago = time.time() - 8 * 86400
    os.utime(tmp_path / "exports/old.csv", (week_ago, week_ago))
    os.utime(tmp_path / "other/old.csv", (week_ago, week_ago))
    cutoff = datetime.now(UTC) - timedelta(days=7)
    assert list(store.list_expired("exports", cutoff)) == ["exports/old.csv"]
    assert list(store.list_expired("missing", cutoff)) == []


def test_signed_link_round_trip_and_expiry() -> None:
    clock = Clock()
    signer = LinkSigner(SECRET, clock=clock)
    link = signer.sign("exports/j.csv")
    assert link.expires == int((clock.now + timedelta(minutes=10)).timestamp())
    assert signer.verify(link.key, str(link.expires), link.signature) == "exports/j.csv"
    clock.now += timedelta(minutes=10)
    with pytest.raises(LinkExpired):
        signer.verify(link.key, str(link.expires), link.signature)


@pytest.mark.parametrize(
    ("key", "expires", "signature"),
    [
        ("exports/other.csv", None, None),  # the signature of another key
        (None, "9999999999", None),  # a later expiry
        (None, None, "AAAA"),
        (None, "-1", None),
        (None, "1e9", None),
        ("../etc/passwd", None, None),
        (None, None, "\udcff"),
    ],
)
def test_forged_links_are_invalid(
    key: str | None, expires: str | None, signature: str | None
) -> None:
    signer = LinkSigner(SECRET, clock=Clock())
    link = signer.sign("exports/j.csv")
    with pytest.raises(LinkInvalid):
        signer.verify(key or link.key, expires or str(link.expires), signature or link.signature)


def test_another_secret_does_not_verify() -> None:
    link = LinkSigner(SECRET, clock=Clock()).sign("a.csv")
    with pytest.raises(LinkInvalid):
        LinkSigner(b"o" * 32, clock=Clock()).verify(link.key, str(link.expires), link.signature)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LinkSigner(b"short")


def test_settings_build_the_filesystem_store(tmp_path: Path) -> None:
    settings = FileStoreSettings(files_directory=tmp_path / "files")
    assert isinstance(build_file_store(settings), FilesystemFileStore)
    with pytest.raises(ValueError, match="FILES_S3_BUCKET"):
        FileStoreSettings(files_backend="s3")


@pytest.fixture
def download(tmp_path: Path) -> tuple[FlaskClient, LinkSigner, FilesystemFileStore, Clock]:
    clock = Clock()
    clock.now = datetime.now(UTC)
    store = FilesystemFileStore(tmp_path)
    signer = LinkSigner(SECRET, clock=clock)
    app, api = create_service_app(
        service="demo", title="demo", version="1", max_body_bytes=4096, readiness_checks={}
    )
    api.register_blueprint(download_blueprint("files", "/api/v1/demo/files", store, signer))
    return app.test_client(), signer, store, clock


def _get(client: FlaskClient, url: str) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    answer = client.get(parts.path, query_string=parse_qs(parts.query))
    return answer.status_code, answer.content_type, answer.get_data()


def test_download_streams_the_file(
    download: tuple[FlaskClient, LinkSigner, FilesystemFileStore, Clock],
) -> None:
    client, signer, store, _ = download
    store.put("exports/j.csv", [b"a,b\n"])
    answer = client.get("/api/v1/demo/files/?" + signer.sign("exports/j.csv").query())
    assert answer.status_code == 200
    assert answer.content_type == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="j.csv"'
    assert answer.get_data() == b"a,b\n"


def test_download_refuses_forged_expired_and_missing(
    download: tuple[FlaskClient, LinkSigner, FilesystemFileStore, Clock],
) -> None:
    client, signer, store, clock = download
    store.put("exports/j.csv", [b"a,b\n"])
    link = signer.sign("exports/j.csv")
    forged = client.get(
        f"/api/v1/demo/files/?key=exports/k.csv&expires={link.expires}&signature={link.signature}"
    )
    assert (forged.status_code, forged.json["type"]) == (403, "/problems/link-invalid")
    unknown = client.get("/api/v1/demo/files/?" + link.query() + "&x=1")
    assert unknown.status_code == 422
    assert unknown.content_type == "application/problem+json"
    store.delete("exports/j.csv")
    assert client.get("/api/v1/demo/files/?" + link.query()).status_code == 404
    clock.now += timedelta(minutes=11)
    expired = client.get("/api/v1/demo/files/?" + link.query())
    assert (expired.status_code, expired.json["type"]) == (403, "/problems/link-expired")
