"""Filesystem adapter of the file store: a directory (a volume in docker-compose)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from taskhive_shared.files.port import (
    FileMissing,
    FileStoreError,
    FileTooLarge,
    StoredFile,
    checked_key,
)


class FilesystemFileStore:
    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).resolve()
        self._root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self._root / checked_key(key)).resolve()
        # Belt and braces beside the key pattern: a symlink inside root cannot lead out.
        if not path.is_relative_to(self._root):
            raise FileStoreError(f"key leaves the store: {key!r}")
        return path

    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        # A temporary file beside the target, renamed over it at the end: readers never see a
        # half-written file, and a failure leaves nothing behind.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(f"{key}: more than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise FileMissing(key) from exc

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def list_expired(self, prefix: str, older_than: datetime) -> Iterator[str]:
        base = self._root / checked_key(prefix.rstrip("/"))
        limit = older_than.astimezone(UTC).timestamp()
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                path = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < limit:
                        yield path.relative_to(self._root).as_posix()
