"""Which outbound addresses a webhook may reach (SSRF protection, DESIGN §5).

Pure rules over `ipaddress`: the adapters resolve a host once per attempt and ask here about
every address it resolved to; they then connect to the address that was judged, never to the
name again (a DNS answer that changes between check and connect cannot slip through).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

URL_MAX = 2048
# Cloud metadata endpoints not already link-local (AWS IPv6, Alibaba, Oracle legacy).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent on the request line."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """An operator's allow-list: networks (CIDRs) and host names admitted although private,
    and hosts that may be reached over plain http."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, networks: Iterable[str], hosts: Iterable[str]) -> AddressPolicy:
        return cls(
            tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip()),
            frozenset(h.strip().lower().rstrip(".") for h in hosts if h.strip()),
        )

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why `address` (resolved from `host`) may not be reached; None when it may."""
        if self.host_allowed(host) or self._nets(address):
            return None
        return address_class_refused(address)

    def _nets(self, address: IPAddress) -> list[IPNetwork]:
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return [net for net in self.allowed_networks if any(a in net for a in candidates)]


def address_class_refused(address: IPAddress) -> str | None:
    """The class of a non-public address ('loopback', 'private' …), None for a public one.
    IPv4-mapped, 6to4 and Teredo IPv6 forms are judged by the IPv4 address they carry."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return address_class_refused(embedded) or (
                "ipv4-mapped" if address.ipv4_mapped is not None else None
            )
    if address in METADATA_ADDRESSES:
        return "metadata"
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    if not address.is_global:
        return "non-global"
    return None


def parse_target(url: str, policy: AddressPolicy) -> Target:
    """The parts of a webhook URL, or ValueError naming what is wrong with it."""
    if len(url) > URL_MAX:
        raise ValueError(f"Longer than {URL_MAX} characters.")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ValueError("Contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError("Not a valid URL.") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https"):
        raise ValueError("Must be an https URL (http only to an allow-listed host).")
    if not host:
        raise ValueError("Must name a host.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Must not carry credentials.")
    if parts.fragment:
        raise ValueError("Must not carry a fragment.")
    if scheme == "http" and not _http_allowed(host, policy):
        raise ValueError("Must be https (plain http only to an allow-listed host).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _http_allowed(host: str, policy: AddressPolicy) -> bool:
    if policy.host_allowed(host):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return policy.refusal(host, address) is None and bool(policy._nets(address))
