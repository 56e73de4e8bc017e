from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_preview_body import CreatePreviewBody
from ...models.error_response import ErrorResponse
from ...models.preview import Preview
from ...types import Response


def _get_kwargs(
    *,
    body: CreatePreviewBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/previews",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | Preview | None:
    if response.status_code == 200:
        response_200 = Preview.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = Preview.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

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
) -> Response[ErrorResponse | Preview]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreatePreviewBody,
) -> Response[ErrorResponse | Preview]:
    """Create Preview

     Upscale a small crop (default: the most detailed 128² square) with every
    installed model, to compare them before running the full job. Poll
    `status_url` until every model's `image_url` is there; then upload with
    `model` set to the one you prefer.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreatePreviewBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Preview]
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
    body: CreatePreviewBody,
) -> ErrorResponse | Preview | None:
    """Create Preview

     Upscale a small crop (default: the most detailed 128² square) with every
    installed model, to compare them before running the full job. Poll
    `status_url` until every model's `image_url` is there; then upload with
    `model` set to the one you prefer.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreatePreviewBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Preview
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreatePreviewBody,
) -> Response[ErrorResponse | Preview]:
    """Create Preview

     Upscale a small crop (default: the most detailed 128² square) with every
    installed model, to compare them before running the full job. Poll
    `status_url` until every model's `image_url` is there; then upload with
    `model` set to the one you prefer.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreatePreviewBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Preview]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreatePreviewBody,
) -> ErrorResponse | Preview | None:
    """Create Preview

     Upscale a small crop (default: the most detailed 128² square) with every
    installed model, to compare them before running the full job. Poll
    `status_url` until every model's `image_url` is there; then upload with
    `model` set to the one you prefer.

    Anonymous, or an account's with `Authorization: Bearer upk_…` (an API key) or a login token: the
    account's jobs are seen by it and admins only, and its limits apply.

    Args:
        body (CreatePreviewBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Preview
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
