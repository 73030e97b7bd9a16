"""The file-storage port: where generated exports, reports and uploaded imports live.

Services speak to files through `FileStore` only; the filesystem adapter is the default and the
S3 adapter serves deployments with an object store. Keys are relative, slash-separated names
chosen by the service (never by a client), e.g. `exports/2026/12/<job id>.csv`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

# Letters, digits and `._-` per segment, segments joined by `/`; no `..`, no absolute path.
_KEY = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")
MAX_KEY_LENGTH = 512


class FileStoreError(Exception):
    """The storage failed or refused (I/O, network, size limit)."""


class FileMissing(FileStoreError):
    """No file under that key (never stored, deleted or expired)."""


class FileTooLarge(FileStoreError):
    """The stream exceeded the size limit given to `put`; nothing was kept."""


class InvalidKey(ValueError):
    """A key that could escape its store or name something odd."""


def checked_key(key: str) -> str:
    """`key` if it is a safe relative name, else `InvalidKey`."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.match(key):
        raise InvalidKey(f"invalid file key: {key[:80]!r}")
    return key


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    """Hex digest of the content, computed while streaming it in."""


class FileStore(Protocol):
    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        """Store the streamed chunks under `key` (replacing any file there), in constant
        memory. The file appears whole or not at all; over `max_bytes` → `FileTooLarge`."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """A binary stream of the file (the caller closes it); `FileMissing` if absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; deleting a missing file is not an error (jobs retry)."""
        ...

    def list_expired(self, prefix: str, older_than: datetime) -> Iterator[str]:
        """Keys under `prefix` last written before `older_than` (an aware datetime)."""
        ...


def read_chunks(stream: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The stream as chunks, closed at the end (for streaming responses)."""
    try:
        while chunk := stream.read(chunk_size):
            yield chunk
    finally:
        stream.close()
