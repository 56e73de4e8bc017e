"""Pick the storage backend the settings name."""

from __future__ import annotations

from upscaler.config import Settings
from upscaler.storage.base import Storage
from upscaler.storage.local import LocalStorage


def make_storage(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        from upscaler.storage.s3 import S3Storage  # aioboto3 only when asked for

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.local_storage_dir)
