"""S3-compatible storage through aioboto3 (AWS, MinIO, Ceph, moto's server...).

Credentials come from the standard AWS variables or instance roles; the bucket,
endpoint and region from the service settings. S3 writes are atomic per
object, so no extra staging is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aioboto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from upscaler.config import Settings
from upscaler.storage.base import CHUNK_SIZE, ObjectNotFoundError, StoredObject, validate_key

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    name = "s3"

    def __init__(self, bucket: str, endpoint_url: str | None, region: str) -> None:
        self.bucket = bucket
        self._endpoint_url = endpoint_url
        self._region = region
        self._session = aioboto3.Session()
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        assert settings.s3_bucket is not None  # checked by Settings
        return cls(settings.s3_bucket, settings.s3_endpoint, settings.s3_region)

    async def _s3(self) -> Any:
        # One client per storage object (and so per event loop), opened lazily.
        if self._client is None:
            self._client = await self._stack.enter_async_context(
                self._session.client(
                    "s3",
                    endpoint_url=self._endpoint_url,
                    region_name=self._region,
                    config=BotoConfig(retries={"max_attempts": 5, "mode": "standard"}),
                )
            )
        return self._client

    async def ensure_bucket(self) -> None:
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self.bucket)
        except ClientError:
            await s3.create_bucket(Bucket=self.bucket)

    async def put_file(
        self, key: str, source: Path, content_type: str, *, move: bool = False
    ) -> StoredObject:
        s3 = await self._s3()  # an upload either way: the caller removes its own file
        size = (await asyncio.to_thread(source.stat)).st_size
        await s3.upload_file(
            str(source), self.bucket, validate_key(key), ExtraArgs={"ContentType": content_type}
        )
        return StoredObject(key=key, size_bytes=size)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        s3 = await self._s3()
        await s3.put_object(
            Bucket=self.bucket, Key=validate_key(key), Body=data, ContentType=content_type
        )
        return StoredObject(key=key, size_bytes=len(data))

    async def download_to(self, key: str, destination: Path) -> None:
        with destination.open("wb") as handle:
            async for chunk in self.stream(key):
                handle.write(chunk)

    async def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NOT_FOUND:
                raise ObjectNotFoundError(key) from error
            raise
        body = response["Body"]
        try:
            async for chunk in body.iter_chunks(chunk_size):
                yield chunk
        finally:
            body.close()

    async def size(self, key: str) -> int:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _NOT_FOUND:
                raise ObjectNotFoundError(key) from error
            raise
        return int(head["ContentLength"])

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=validate_key(key))

    async def presigned_url(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str | None:
        s3 = await self._s3()
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": validate_key(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_in,
        )
        return url

    async def usage_bytes(self) -> int:
        s3 = await self._s3()
        total = 0
        paginator = s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket):
            total += sum(int(item["Size"]) for item in page.get("Contents", []))
        return total

    async def free_space_percent(self) -> float | None:
        return None  # object stores have no meaningful "free space"

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None
