"""File storage: the `FileStore` port, filesystem and S3 adapters, signed download links."""

from taskhive_shared.files.download import download_blueprint
from taskhive_shared.files.filesystem import FilesystemFileStore
from taskhive_shared.files.links import (
    DEFAULT_LINK_TTL,
    LinkExpired,
    LinkInvalid,
    LinkSigner,
    SignedLink,
)
from taskhive_shared.files.port import (
    FileMissing,
    FileStore,
    FileStoreError,
    FileTooLarge,
    InvalidKey,
    StoredFile,
    checked_key,
    read_chunks,
)
from taskhive_shared.files.settings import FileStoreSettings, build_file_store, build_link_signer

__all__ = [
    "DEFAULT_LINK_TTL",
    "FileMissing",
    "FileStore",
    "FileStoreError",
    "FileStoreSettings",
    "FileTooLarge",
    "FilesystemFileStore",
    "InvalidKey",
    "LinkExpired",
    "LinkInvalid",
    "LinkSigner",
    "SignedLink",
    "StoredFile",
    "build_file_store",
    "build_link_signer",
    "checked_key",
    "download_blueprint",
    "read_chunks",
]
