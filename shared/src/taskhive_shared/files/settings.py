"""Settings of a service's file store; a service's settings class inherits these fields."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

from taskhive_shared.files.filesystem import FilesystemFileStore
from taskhive_shared.files.links import MIN_SECRET_BYTES, LinkSigner
from taskhive_shared.files.port import FileStore


class FileStoreSettings(BaseModel):
    """Mixed into a service's `BaseSettings`: `<PREFIX>FILES_BACKEND` and friends."""

    files_backend: Literal["filesystem", "s3"] = Field(
        default="filesystem", description="Where generated and uploaded files live."
    )
    files_directory: Path = Field(
        default=Path(".data/files"),
        description="Root of the filesystem backend (a volume in docker-compose).",
    )
    files_s3_bucket: str | None = Field(default=None, description="Bucket of the S3 backend.")
    files_s3_prefix: str = Field(default="", description="Key prefix inside that bucket.")
    files_s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (MinIO, Ceph …); None is AWS."
    )
    files_s3_region: str | None = None
    files_s3_access_key_id: str | None = None
    files_s3_secret_access_key: SecretStr | None = None
    files_link_secret: SecretStr = Field(
        default=SecretStr("dev-only-file-link-secret-change-me-0123456789"),
        description=f"HMAC key of signed download links (at least {MIN_SECRET_BYTES} bytes); "
        "set it in production, or links signed by one process fail in another.",
    )
    files_link_ttl_seconds: int = Field(default=600, ge=30, le=24 * 3600)

    @model_validator(mode="after")
    def _s3_has_bucket(self) -> FileStoreSettings:
        if self.files_backend == "s3" and not self.files_s3_bucket:
            raise ValueError("FILES_S3_BUCKET is required with FILES_BACKEND=s3")
        if len(self.files_link_secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"FILES_LINK_SECRET needs at least {MIN_SECRET_BYTES} bytes")
        return self


def build_file_store(settings: FileStoreSettings) -> FileStore:
    if settings.files_backend == "s3":
        from taskhive_shared.files.s3 import S3FileStore  # boto3 only where it is used

        secret = settings.files_s3_secret_access_key
        return S3FileStore(
            settings.files_s3_bucket or "",
            prefix=settings.files_s3_prefix,
            endpoint_url=settings.files_s3_endpoint_url,
            region=settings.files_s3_region,
            access_key_id=settings.files_s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    return FilesystemFileStore(settings.files_directory)


def build_link_signer(settings: FileStoreSettings) -> LinkSigner:
    return LinkSigner(
        settings.files_link_secret.get_secret_value().encode(),
        ttl=timedelta(seconds=settings.files_link_ttl_seconds),
    )
