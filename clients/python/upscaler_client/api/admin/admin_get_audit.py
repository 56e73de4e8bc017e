import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_page import AuditPage
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    username: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    entity_type: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per_page"] = per_page

    json_username: None | str | Unset
    if isinstance(username, Unset):
        json_username = UNSET
    else:
        json_username = username
    params["username"] = json_username

    json_action: None | str | Unset
    if isinstance(action, Unset):
        json_action = UNSET
    else:
        json_action = action
    params["action"] = json_action

    json_entity_type: None | str | Unset
    if isinstance(entity_type, Unset):
        json_entity_type = UNSET
    else:
        json_entity_type = entity_type
    params["entity_type"] = json_entity_type

    json_entity_id: None | str | Unset
    if isinstance(entity_id, Unset):
        json_entity_id = UNSET
    else:
        json_entity_id = entity_id
    params["entity_id"] = json_entity_id

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/admin/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditPage | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())

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
) -> Response[AuditPage | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    username: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    entity_type: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> Response[AuditPage | ErrorResponse]:
    """Get Audit

     The audit log, newest first: filter by user, action, entity and time; search text.

    Args:
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        username (None | str | Unset):
        action (None | str | Unset): exact, or a prefix ending in "."
        entity_type (None | str | Unset):
        entity_id (None | str | Unset):
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorResponse]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        username=username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        q=q,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    username: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    entity_type: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> AuditPage | ErrorResponse | None:
    """Get Audit

     The audit log, newest first: filter by user, action, entity and time; search text.

    Args:
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        username (None | str | Unset):
        action (None | str | Unset): exact, or a prefix ending in "."
        entity_type (None | str | Unset):
        entity_id (None | str | Unset):
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorResponse
    """

    return sync_detailed(
        client=client,
        page=page,
        per_page=per_page,
        username=username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        q=q,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    username: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    entity_type: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> Response[AuditPage | ErrorResponse]:
    """Get Audit

     The audit log, newest first: filter by user, action, entity and time; search text.

    Args:
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        username (None | str | Unset):
        action (None | str | Unset): exact, or a prefix ending in "."
        entity_type (None | str | Unset):
        entity_id (None | str | Unset):
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorResponse]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        username=username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        q=q,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    username: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    entity_type: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
) -> AuditPage | ErrorResponse | None:
    """Get Audit

     The audit log, newest first: filter by user, action, entity and time; search text.

    Args:
        page (int | Unset):  Default: 1.
        per_page (int | Unset):  Default: 50.
        username (None | str | Unset):
        action (None | str | Unset): exact, or a prefix ending in "."
        entity_type (None | str | Unset):
        entity_id (None | str | Unset):
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per_page=per_page,
            username=username,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            since=since,
            until=until,
            q=q,
        )
    ).parsed
