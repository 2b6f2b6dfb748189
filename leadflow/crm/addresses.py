"""Where a webhook may go: public addresses only, unless the deployment allows private
ones (``LEADFLOW_WEBHOOK_ALLOW_PRIVATE``, for a CRM on the call center's own LAN).

Checked twice: when an admin saves the URL (a literal private address or ``localhost``
is a form error) and before every delivery (the name is resolved then; a name that
resolves to a private address fails the message with the reason). What is not covered:
a name that resolves differently between the check and httpx's own lookup.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def private_allowed() -> bool:
    return bool(getattr(settings, "LEADFLOW_WEBHOOK_ALLOW_PRIVATE", False))


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
    return not ip.is_global or ip.is_multicast


def literal_private_host(url: str) -> str | None:
    """The URL's host when it is ``localhost`` or a literal non-public IP, else None."""
    host = (urlsplit(url).hostname or "").lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return host
    try:
        return host if _is_private(host) else None
    except ValueError:
        return None  # a name: resolved at delivery time


def private_address_of(url: str) -> str | None:
    """A non-public address the URL's host resolves to (None: all public, or the name
    does not resolve, which the delivery then reports as a network error)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None
    for info in infos:
        address = str(info[4][0])
        if _is_private(address):
            return address
    return None
