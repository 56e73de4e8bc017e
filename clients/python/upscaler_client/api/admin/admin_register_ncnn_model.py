from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.admin_register_ncnn_model_body import AdminRegisterNcnnModelBody
from ...models.error_response import ErrorResponse
from ...models.model_out import ModelOut
from ...types import Response


def _get_kwargs(
    *,
    body: AdminRegisterNcnnModelBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/admin/models/ncnn",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ModelOut | None:
    if response.status_code == 202:
        response_202 = ModelOut.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = ErrorResponse.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | ModelOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AdminRegisterNcnnModelBody,
) -> Response[ErrorResponse | ModelOut]:
    """Register Ncnn Model

     Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason).

    Args:
        body (AdminRegisterNcnnModelBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ModelOut]
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
    body: AdminRegisterNcnnModelBody,
) -> ErrorResponse | ModelOut | None:
    """Register Ncnn Model

     Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason).

    Args:
        body (AdminRegisterNcnnModelBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ModelOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AdminRegisterNcnnModelBody,
) -> Response[ErrorResponse | ModelOut]:
    """Register Ncnn Model

     Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason).

    Args:
        body (AdminRegisterNcnnModelBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ModelOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AdminRegisterNcnnModelBody,
) -> ErrorResponse | ModelOut | None:
    """Register Ncnn Model

     Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason).

    Args:
        body (AdminRegisterNcnnModelBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ModelOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
