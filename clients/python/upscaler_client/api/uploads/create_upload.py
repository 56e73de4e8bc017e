from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_upload_body import CreateUploadBody
from ...models.error_response import ErrorResponse
from ...models.upload_accepted import UploadAccepted
from ...types import Response


def _get_kwargs(
    *,
    body: CreateUploadBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/uploads",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | UploadAccepted | None:
    if response.status_code == 202:
        response_202 = UploadAccepted.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | UploadAccepted]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadBody,
) -> Response[ErrorResponse | UploadAccepted]:
    """Create Upload

     Upload an image and queue an upscaling job. Poll `status_url` or follow
    `events_url` (server-sent events) until the job completes.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreateUploadBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | UploadAccepted]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadBody,
) -> ErrorResponse | UploadAccepted | None:
    """Create Upload

     Upload an image and queue an upscaling job. Poll `status_url` or follow
    `events_url` (server-sent events) until the job completes.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreateUploadBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | UploadAccepted
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadBody,
) -> Response[ErrorResponse | UploadAccepted]:
    """Create Upload

     Upload an image and queue an upscaling job. Poll `status_url` or follow
    `events_url` (server-sent events) until the job completes.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreateUploadBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | UploadAccepted]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadBody,
) -> ErrorResponse | UploadAccepted | None:
    """Create Upload

     Upload an image and queue an upscaling job. Poll `status_url` or follow
    `events_url` (server-sent events) until the job completes.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreateUploadBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | UploadAccepted
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
