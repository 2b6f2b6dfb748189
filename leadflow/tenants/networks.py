"""IP allow-lists (API keys, the tenant's back-office logins): one address or CIDR
network per line, empty = any address."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ValidationError


def normalise_networks(raw: str, *, field: str) -> list[str]:
    """The list's networks in canonical form; a bad line is an error on ``field``
    naming the line."""
    networks = []
    for line_number, line in enumerate(raw.splitlines(), start=1):
        entry = line.strip()
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError as exc:
            raise ValidationError(
                {field: f"Line {line_number}: {entry!r} is not an IP address or network."}
            ) from exc
    return networks


def ip_allowed(allowed_ips: str, client_ip: str | None) -> bool:
    networks = [line.strip() for line in allowed_ips.splitlines() if line.strip()]
    if not networks:
        return True
    if not client_ip:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
