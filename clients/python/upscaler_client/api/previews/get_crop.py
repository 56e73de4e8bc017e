from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...types import File, Response


def _get_kwargs(
    preview_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/previews/{preview_id}/crop".format(
            preview_id=quote(str(preview_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorResponse | File | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    preview_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | File]:
    """Get Crop

     The crop as it was cut from the image (PNG), before upscaling.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        preview_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | File]
    """

    kwargs = _get_kwargs(
        preview_id=preview_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    preview_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | File | None:
    """Get Crop

     The crop as it was cut from the image (PNG), before upscaling.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        preview_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | File
    """

    return sync_detailed(
        preview_id=preview_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    preview_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | File]:
    """Get Crop

     The crop as it was cut from the image (PNG), before upscaling.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        preview_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | File]
    """

    kwargs = _get_kwargs(
        preview_id=preview_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    preview_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | File | None:
    """Get Crop

     The crop as it was cut from the image (PNG), before upscaling.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        preview_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | File
    """

    return (
        await asyncio_detailed(
            preview_id=preview_id,
            client=client,
        )
    ).parsed
