"""A raw stream over a `read(n)` object, so buffered and text wrappers apply."""

from __future__ import annotations

import io
from typing import Any, Protocol


class _Readable(Protocol):
    def read(self, amt: int | None = ..., /) -> bytes: ...

    def close(self) -> None: ...


class ReadableRaw(io.RawIOBase):
    """A raw stream over any object with `read(n)` (e.g. botocore's StreamingBody), so it can
    be wrapped in `io.BufferedReader` / `io.TextIOWrapper`."""

    def __init__(self, body: _Readable) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
