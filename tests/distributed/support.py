"""Helpers of the distributed scenarios."""

from __future__ import annotations

import aioboto3

from tests.helpers import MotoS3


async def object_count(s3: MotoS3, bucket: str, prefix: str) -> int:
    """How many objects the bucket holds under `prefix`."""
    async with aioboto3.Session().client(
        "s3", endpoint_url=s3.endpoint, region_name="us-east-1"
    ) as client:
        listing = await client.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return len(listing.get("Contents", []))
