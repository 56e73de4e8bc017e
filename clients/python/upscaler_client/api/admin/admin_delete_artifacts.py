from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.artifacts_deleted import ArtifactsDeleted
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: str,
    *,
    include_original: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["include_original"] = include_original

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/api/v1/admin/jobs/{job_id}/artifacts".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ArtifactsDeleted | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = ArtifactsDeleted.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorResponse.from_dict(response.json())

        return response_409

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ArtifactsDeleted | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    include_original: bool | Unset = False,
) -> Response[ArtifactsDeleted | ErrorResponse]:
    """Delete Artifacts

     Delete a finished job's result and preview (and optionally its original).

    Args:
        job_id (str):
        include_original (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ArtifactsDeleted | ErrorResponse]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        include_original=include_original,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient,
    include_original: bool | Unset = False,
) -> ArtifactsDeleted | ErrorResponse | None:
    """Delete Artifacts

     Delete a finished job's result and preview (and optionally its original).

    Args:
        job_id (str):
        include_original (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ArtifactsDeleted | ErrorResponse
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        include_original=include_original,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
    include_original: bool | Unset = False,
) -> Response[ArtifactsDeleted | ErrorResponse]:
    """Delete Artifacts

     Delete a finished job's result and preview (and optionally its original).

    Args:
        job_id (str):
        include_original (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ArtifactsDeleted | ErrorResponse]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        include_original=include_original,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient,
    include_original: bool | Unset = False,
) -> ArtifactsDeleted | ErrorResponse | None:
    """Delete Artifacts

     Delete a finished job's result and preview (and optionally its original).

    Args:
        job_id (str):
        include_original (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ArtifactsDeleted | ErrorResponse
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            include_original=include_original,
        )
    ).parsed
