"""The SSRF guard: refusals at upload (a real server with the defaults), and
the resolve-and-pin step at delivery, with a stub resolver where DNS would be
needed (DNS is the one boundary these machines cannot run) and the real
receiver where a connection is made."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.helpers import IMAGES, LiveServer, make_settings, upload
from tests.notifications.support import Receiver
from upscaler.db.tables import Job, NotificationDelivery, Upload
from upscaler.errors import APIError
from upscaler.notifications.intake import check_notification_targets
from upscaler.notifications.payload import LinkMaker
from upscaler.notifications.signing import verify_signature
from upscaler.notifications.ssrf import (
    CallbackResolutionError,
    Resolver,
    UnsafeCallbackError,
    blocked_reason,
    check_callback_url,
    parse_callback_url,
    resolve_and_pin,
)
from upscaler.storage.factory import make_storage
from upscaler_worker.actors.notifications import post_webhook

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://127.1/hook", "loopback"),  # short form, resolved by the system
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10:8080/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback address (127.0.0.1 in IPv6 form)"),
        ("http://[::ffff:169.254.169.254]/hook", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://[fc00::1]/hook", "private"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://100.64.0.1/hook", "not a public address"),
        ("http://localhost:8000/hook", "localhost resolves to"),
        ("http://user:secret@example.com/hook", "user name or password"),
        ("ftp://example.com/hook", "http or https"),
        ("http:///hook", "host"),
        ("http://example.com:99999/hook", "not a valid URL"),
        ("http://no-such-host.invalid/hook", "could not be resolved"),
    ],
)
def test_upload_refuses_callbacks_to_internal_targets(
    strict_server: LiveServer, url: str, says: str
) -> None:
    with strict_server.client() as client:
        response = upload(client, SAMPLE, factor="2x", callback_url=url)
    assert response.status_code == 400, response.text
    (field,) = response.json()["error"]["fields"]
    assert field["field"] == "callback_url"
    assert says in field["message"], field["message"]


def stub(answers: dict[str, list[Sequence[str]]]) -> Resolver:
    """A resolver that gives each name its answers in turn (the last one stays)."""

    def resolve(host: str, port: int) -> list[str]:
        queue = answers[host]
        return list(queue.pop(0) if len(queue) > 1 else queue[0])

    return resolve


def test_rebinding_to_a_private_address_is_refused_at_delivery() -> None:
    # Public when the upload is checked, loopback when the worker calls: refused.
    resolver = stub({"hooks.example.com": [["93.184.215.14"], ["127.0.0.1"]]})
    url = "https://hooks.example.com/in"
    target = check_callback_url(url, allow_private=False, resolver=resolver)
    assert target.host == "hooks.example.com"
    with pytest.raises(UnsafeCallbackError, match=r"hooks\.example\.com resolves to 127\.0\.0\.1"):
        resolve_and_pin(url, allow_private=False, resolver=resolver)


def test_pin_calls_the_checked_address_with_the_name_in_host_and_sni() -> None:
    resolver = stub({"hooks.example.com": [["2001:db8::1", "93.184.215.14"]]})
    with pytest.raises(UnsafeCallbackError, match="2001:db8::1"):  # documentation range
        resolve_and_pin("https://hooks.example.com/in", allow_private=False, resolver=resolver)
    resolver = stub({"hooks.example.com": [["198.51.100.20"]]})  # TEST-NET-2: not global either
    with pytest.raises(UnsafeCallbackError):
        resolve_and_pin("https://hooks.example.com/in", allow_private=False, resolver=resolver)

    resolver = stub({"hooks.example.com": [["93.184.215.14"]]})
    pinned = resolve_and_pin(
        "https://Hooks.Example.com:8443/in?x=1#frag", allow_private=False, resolver=resolver
    )
    assert pinned.url == "https://93.184.215.14:8443/in?x=1"
    assert pinned.headers == {"Host": "hooks.example.com:8443"}
    assert pinned.extensions == {"sni_hostname": "hooks.example.com"}

    resolver = stub({"v6.example.com": [["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]})
    pinned = resolve_and_pin("http://v6.example.com/in", allow_private=False, resolver=resolver)
    assert pinned.url == "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:80/in"
    assert pinned.headers == {"Host": "v6.example.com"}
    assert pinned.extensions == {}  # plain http: no TLS name


def test_every_address_of_a_name_must_be_allowed() -> None:
    resolver = stub({"mixed.example.com": [["93.184.215.14", "10.0.0.8"]]})
    with pytest.raises(UnsafeCallbackError, match=r"10\.0\.0\.8, a private address"):
        check_callback_url("http://mixed.example.com/", allow_private=False, resolver=resolver)


def test_allow_private_lifts_the_address_rule_but_not_the_others() -> None:
    resolver = stub({"intranet": [["10.0.0.8"]]})
    check_callback_url("http://intranet/hook", allow_private=True, resolver=resolver)
    with pytest.raises(UnsafeCallbackError, match="user name or password"):
        check_callback_url("http://a:b@intranet/hook", allow_private=True, resolver=resolver)
    with pytest.raises(UnsafeCallbackError, match="http or https"):
        check_callback_url("gopher://intranet/", allow_private=True, resolver=resolver)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "0.0.0.0",
        "255.255.255.255",
        "240.0.0.1",
        "::",
        "::1",
        "fe80::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    ],
)
def test_blocked_addresses(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_syntax_rules() -> None:
    for bad in (
        "http://exa mple.com/",
        "http://example.com\\@127.0.0.1/",
        "http://@example.com/",
        "javascript:alert(1)",
        "http://example.com:0/",
    ):
        with pytest.raises(UnsafeCallbackError):
            parse_callback_url(bad)
    parsed = parse_callback_url("HTTPS://Bücher.Example./x")
    assert (parsed.scheme, parsed.host, parsed.port, parsed.path) == (
        "https",
        "xn--bcher-kva.example",
        443,
        "/x",
    )


async def test_intake_resolves_and_refuses_with_field_errors(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, tmp_path)
    public = stub({"hooks.example.com": [["93.184.215.14"]]})
    await check_notification_targets(
        settings, email=None, callback_url="https://hooks.example.com/x", resolver=public
    )
    internal = stub({"hooks.example.com": [["192.168.1.20"]]})
    with pytest.raises(APIError) as refused:
        await check_notification_targets(
            settings, email=None, callback_url="https://hooks.example.com/x", resolver=internal
        )
    assert refused.value.status == 400
    assert refused.value.fields[0].field == "callback_url"

    def unresolvable(host: str, port: int) -> list[str]:
        raise CallbackResolutionError(f"host {host!r} could not be resolved")

    with pytest.raises(APIError, match="callback_url refused"):
        await check_notification_targets(
            settings, email=None, callback_url="https://nowhere.example/x", resolver=unresolvable
        )


# -- delivery through the pinned address, over a real connection --------------------


def _job(target_url: str) -> tuple[Job, Upload, NotificationDelivery]:
    upload_row = Upload(
        id="upl_pin",
        original_filename="a.png",
        mime_type="image/png",
        width=2,
        height=2,
        size_bytes=10,
        sha256="0" * 64,
        storage_key="originals/pin.png",
    )
    job = Job(job_id="job_pin", upload_id="upl_pin", status="failed", error_message="boom")
    row = NotificationDelivery(
        delivery_id="dlv_pin",
        job_id="job_pin",
        kind="webhook",
        event="job.failed",
        target=target_url,
    )
    return job, upload_row, row


async def test_delivery_connects_to_the_pinned_address_with_the_name_as_host(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = make_settings(tmp_path, tmp_path, webhook_allow_private=True)
    storage = make_storage(settings)
    # The name exists only in the stub; the request can only have reached the
    # receiver through the pinned address, and it says the name in Host.
    url = f"http://hooks.internal.test:{receiver.port}/pinned?a=1"
    resolver = stub({"hooks.internal.test": [["127.0.0.1"]]})
    job, upload_row, row = _job(url)
    outcome = await post_webhook(
        settings, LinkMaker(settings, storage), job, upload_row, row, 1, resolver=resolver
    )
    assert outcome.delivered, outcome
    (request,) = receiver.received("/pinned?a=1")
    assert request.headers["Host"] == f"hooks.internal.test:{receiver.port}"
    verify_signature(
        settings.webhook_signing_secret(), request.body, request.headers["X-Upscaler-Signature"]
    )

    # The same name rebound to loopback, private targets not allowed: no connection at all.
    strict = make_settings(tmp_path, tmp_path, webhook_allow_private=False)
    outcome = await post_webhook(
        strict, LinkMaker(strict, storage), job, upload_row, row, 2, resolver=resolver
    )
    assert not outcome.delivered and not outcome.retry
    assert "refused at delivery" in (outcome.error or "")
    assert len(receiver.received("/pinned?a=1")) == 1
    await storage.close()
