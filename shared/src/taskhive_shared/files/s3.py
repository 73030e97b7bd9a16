"""S3 adapter of the file store (boto3): any S3-compatible object store (AWS, MinIO, Ceph…)."""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskhive_shared.files.port import (
    FileMissing,
    FileStoreError,
    FileTooLarge,
    StoredFile,
    checked_key,
)
from taskhive_shared.files.streams import ReadableRaw

# Parts of 5 MiB (S3's smallest), one at a time: memory stays bounded whatever the file's size.
PART_BYTES = 5 * 1024 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3FileStore:
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client: Any = None,
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client: Any = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )

    def _object(self, key: str) -> str:
        return self._prefix + checked_key(key)

    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        name = self._object(key)
        digest = hashlib.sha256()
        size = 0
        part = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        # One part in memory at a time; an object appears only when the upload completes, and
        # a failed upload is aborted: all or nothing.
        try:
            for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise FileTooLarge(f"{key}: more than {max_bytes} bytes")
                digest.update(chunk)
                part += chunk
                if len(part) >= PART_BYTES:
                    if upload_id is None:
                        upload_id = self._client.create_multipart_upload(
                            Bucket=self._bucket, Key=name, ContentType=content_type
                        )["UploadId"]
                    parts.append(self._upload_part(name, upload_id, len(parts) + 1, part))
                    part = bytearray()
            if upload_id is None:
                self._client.put_object(
                    Bucket=self._bucket, Key=name, Body=bytes(part), ContentType=content_type
                )
            else:
                if part:
                    parts.append(self._upload_part(name, upload_id, len(parts) + 1, part))
                self._client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=name,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException as exc:
            if upload_id is not None:
                with contextlib.suppress(BotoCoreError, ClientError):
                    self._client.abort_multipart_upload(
                        Bucket=self._bucket, Key=name, UploadId=upload_id
                    )
            if isinstance(exc, BotoCoreError | ClientError):
                raise FileStoreError(f"{key}: {exc}") from exc
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def _upload_part(
        self, name: str, upload_id: str, number: int, data: bytearray
    ) -> dict[str, Any]:
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=bytes(data)
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    def open(self, key: str) -> IO[bytes]:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=self._object(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileMissing(key) from exc
            raise FileStoreError(f"{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreError(f"{key}: {exc}") from exc
        return io.BufferedReader(ReadableRaw(answer["Body"]), buffer_size=64 * 1024)

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self._bucket, Key=self._object(key))
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"{key}: {exc}") from exc

    def list_expired(self, prefix: str, older_than: datetime) -> Iterator[str]:
        limit = older_than.astimezone(UTC)
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._object(prefix.rstrip("/")) + "/"
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    if item["LastModified"] < limit:
                        yield str(item["Key"])[len(self._prefix) :]
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"{prefix}: {exc}") from exc
