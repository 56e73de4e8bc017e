from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.settings_changes import SettingsChanges
from ...models.settings_out import SettingsOut
from ...types import Response


def _get_kwargs(
    *,
    body: SettingsChanges,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/admin/settings",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | SettingsOut | None:
    if response.status_code == 200:
        response_200 = SettingsOut.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | SettingsOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SettingsChanges,
) -> Response[ErrorResponse | SettingsOut]:
    """Update Settings

     Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart.

    Args:
        body (SettingsChanges): Any subset of the run-time settings; validated as a whole, stored
            in
            the settings table, in effect on every replica and worker within seconds.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SettingsOut]
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
    client: AuthenticatedClient,
    body: SettingsChanges,
) -> ErrorResponse | SettingsOut | None:
    """Update Settings

     Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart.

    Args:
        body (SettingsChanges): Any subset of the run-time settings; validated as a whole, stored
            in
            the settings table, in effect on every replica and worker within seconds.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SettingsOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SettingsChanges,
) -> Response[ErrorResponse | SettingsOut]:
    """Update Settings

     Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart.

    Args:
        body (SettingsChanges): Any subset of the run-time settings; validated as a whole, stored
            in
            the settings table, in effect on every replica and worker within seconds.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | SettingsOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SettingsChanges,
) -> ErrorResponse | SettingsOut | None:
    """Update Settings

     Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart.

    Args:
        body (SettingsChanges): Any subset of the run-time settings; validated as a whole, stored
            in
            the settings table, in effect on every replica and worker within seconds.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | SettingsOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
