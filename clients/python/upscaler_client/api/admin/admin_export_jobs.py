import datetime
from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_status import JobStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: JobStatus | None | Unset = UNSET,
    model: None | str | Unset = UNSET,
    owner: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, JobStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_model: None | str | Unset
    if isinstance(model, Unset):
        json_model = UNSET
    else:
        json_model = model
    params["model"] = json_model

    json_owner: None | str | Unset
    if isinstance(owner, Unset):
        json_owner = UNSET
    else:
        json_owner = owner
    params["owner"] = json_owner

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

    json_batch: None | str | Unset
    if isinstance(batch, Unset):
        json_batch = UNSET
    else:
        json_batch = batch
    params["batch"] = json_batch

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/admin/jobs/export.csv",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: JobStatus | None | Unset = UNSET,
    model: None | str | Unset = UNSET,
    owner: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: None | str | Unset = UNSET,
) -> Response[Any | ErrorResponse]:
    """Export Jobs

     Usage export: every matching job as CSV (the same filters as the list).

    Args:
        status (JobStatus | None | Unset):
        model (None | str | Unset):
        owner (None | str | Unset): a username, or `anonymous`
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset): job id, file name, error or worker
        batch (None | str | Unset): a batch id (`bat_…`)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorResponse]
    """

    kwargs = _get_kwargs(
        status=status,
        model=model,
        owner=owner,
        since=since,
        until=until,
        q=q,
        batch=batch,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: JobStatus | None | Unset = UNSET,
    model: None | str | Unset = UNSET,
    owner: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: None | str | Unset = UNSET,
) -> Any | ErrorResponse | None:
    """Export Jobs

     Usage export: every matching job as CSV (the same filters as the list).

    Args:
        status (JobStatus | None | Unset):
        model (None | str | Unset):
        owner (None | str | Unset): a username, or `anonymous`
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset): job id, file name, error or worker
        batch (None | str | Unset): a batch id (`bat_…`)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorResponse
    """

    return sync_detailed(
        client=client,
        status=status,
        model=model,
        owner=owner,
        since=since,
        until=until,
        q=q,
        batch=batch,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: JobStatus | None | Unset = UNSET,
    model: None | str | Unset = UNSET,
    owner: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: None | str | Unset = UNSET,
) -> Response[Any | ErrorResponse]:
    """Export Jobs

     Usage export: every matching job as CSV (the same filters as the list).

    Args:
        status (JobStatus | None | Unset):
        model (None | str | Unset):
        owner (None | str | Unset): a username, or `anonymous`
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset): job id, file name, error or worker
        batch (None | str | Unset): a batch id (`bat_…`)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorResponse]
    """

    kwargs = _get_kwargs(
        status=status,
        model=model,
        owner=owner,
        since=since,
        until=until,
        q=q,
        batch=batch,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: JobStatus | None | Unset = UNSET,
    model: None | str | Unset = UNSET,
    owner: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: None | str | Unset = UNSET,
) -> Any | ErrorResponse | None:
    """Export Jobs

     Usage export: every matching job as CSV (the same filters as the list).

    Args:
        status (JobStatus | None | Unset):
        model (None | str | Unset):
        owner (None | str | Unset): a username, or `anonymous`
        since (datetime.datetime | None | Unset): at or after (ISO 8601, UTC unless zoned); a bare
            date: from that day's start
        until (datetime.datetime | None | Unset): before (ISO 8601, UTC unless zoned); a bare
            date: through the end of that day
        q (None | str | Unset): job id, file name, error or worker
        batch (None | str | Unset): a batch id (`bat_…`)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            model=model,
            owner=owner,
            since=since,
            until=until,
            q=q,
            batch=batch,
        )
    ).parsed
