"""Which callback URLs the service will call, and how it calls them.

A callback URL is chosen by whoever uploads, so without care it turns the
worker into a proxy into our own network (SSRF): the cloud metadata service,
Redis, the database, an admin page on loopback. The rules:

- http or https only; no user name or password in the URL; a host and a
  valid port; no whitespace, control characters or backslashes;
- every address the host resolves to must be public: not loopback, private
  (RFC 1918, unique-local), link-local (which holds the metadata address
  169.254.169.254), multicast, reserved, unspecified, shared (100.64/10) or
  otherwise non-global; IPv6 forms that carry an IPv4 address
  (IPv4-mapped, 6to4, Teredo, NAT64) are judged by that IPv4 address.
  `UPSCALER_WEBHOOK_ALLOW_PRIVATE=true` lifts this for on-premises installs;
- the check runs at upload (a 400) and again at each delivery, and the
  delivery connects to the very address that passed (`resolve_and_pin`): the
  URL names the IP, the Host header and the TLS SNI name the host, so the
  certificate is still checked against the name, and a DNS answer that
  changes between the check and the connection (rebinding) cannot move the
  request elsewhere. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Metadata services by address, named in refusals so an operator sees why.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, ...
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_FORBIDDEN_CHARACTERS = frozenset("\\") | {chr(c) for c in range(33)} | {chr(127)}

#: (host, port) -> the addresses it resolves to, as strings.
Resolver = Callable[[str, int], Sequence[str]]


class UnsafeCallbackError(ValueError):
    """The URL may not be called. The message is shown to the uploader."""


class CallbackResolutionError(UnsafeCallbackError):
    """The host did not resolve (now): refused at upload, retried at delivery."""


@dataclass(frozen=True)
class CallbackURL:
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, lower case, no brackets
    port: int
    path: str  # path and query, never empty
    literal: IPAddress | None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def parse_callback_url(url: str) -> CallbackURL:
    """The syntactic rules (no DNS). Raises UnsafeCallbackError."""
    if any(ch in _FORBIDDEN_CHARACTERS for ch in url):
        raise UnsafeCallbackError("must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeCallbackError(f"is not a valid URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeCallbackError("must be an http or https URL")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UnsafeCallbackError("must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")  # "localhost." is "localhost"
    if not host:
        raise UnsafeCallbackError("must name a host")
    if port == 0:
        raise UnsafeCallbackError("must not use port 0")
    literal = _literal(host)
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as error:
            raise UnsafeCallbackError("has an invalid host name") from error
    else:
        host = literal.compressed
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return CallbackURL(scheme, host, port or DEFAULT_PORTS[scheme], path, literal)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, where it stands for one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why this address may not be called, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(address.compressed.split("%", 1)[0])
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = blocked_reason(embedded)
            return f"{reason} ({embedded} in IPv6 form)" if reason else None
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for flag, reason in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(address, flag):
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise CallbackResolutionError(f"host {host!r} could not be resolved") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_addresses(
    target: CallbackURL, *, allow_private: bool, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """Resolve the host and refuse it unless every address is allowed.

    Every address, not just one: a name that resolves to a public and a
    private address could otherwise be called on the private one."""
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        found = resolver(target.host, target.port)
        addresses = []
        for text in found:
            address = _literal(text.split("%", 1)[0])
            if address is None:
                raise CallbackResolutionError(f"host {target.host!r} resolved to {text!r}")
            addresses.append(address)
    if not addresses:
        raise CallbackResolutionError(f"host {target.host!r} could not be resolved")
    if not allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                name = "" if target.literal is not None else f"{target.host} resolves to "
                raise UnsafeCallbackError(f"is not allowed: {name}{address.compressed}, {reason}")
    return addresses


@dataclass(frozen=True)
class PinnedRequest:
    """How to call a checked URL without resolving its host again."""

    url: str  # the URL with the checked address in place of the host
    address: IPAddress
    target: CallbackURL
    headers: dict[str, str] = field(default_factory=dict)  # Host
    extensions: dict[str, Any] = field(default_factory=dict)  # sni_hostname for https


def pin(target: CallbackURL, address: IPAddress) -> PinnedRequest:
    host = f"[{address.compressed}]" if address.version == 6 else address.compressed
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and target.literal is None:
        # httpcore sends this name in the TLS handshake and checks the
        # certificate against it (not against the address in the URL).
        extensions["sni_hostname"] = target.host
    return PinnedRequest(
        url=f"{target.scheme}://{host}:{target.port}{target.path}",
        address=address,
        target=target,
        headers={"Host": target.host_header},
        extensions=extensions,
    )


def resolve_and_pin(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> PinnedRequest:
    """Parse, resolve and check the URL, and pin the request to the first
    address that passed (every address did, or the URL is refused).
    Blocking (DNS): call it in a thread."""
    target = parse_callback_url(url)
    addresses = check_addresses(target, allow_private=allow_private, resolver=resolver)
    return pin(target, addresses[0])


def check_callback_url(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> CallbackURL:
    """The upload-time check: syntax, then the addresses. Blocking (DNS)."""
    target = parse_callback_url(url)
    check_addresses(target, allow_private=allow_private, resolver=resolver)
    return target
