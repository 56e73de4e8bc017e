"""Object storage: one interface, a local-filesystem and an S3 backend."""

from upscaler.storage.base import ObjectNotFoundError, Storage, StoredObject, new_key

__all__ = ["ObjectNotFoundError", "Storage", "StoredObject", "new_key"]
