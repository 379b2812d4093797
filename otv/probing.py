"""Looking at the world outside: a TCP port, an HTTP(S) endpoint, a DNS name.

Each check answers (ok, what was found) or raises ``OSError`` saying why it
could not look; timeouts are the caller's. Kubernetes objects are in
``otv.probing_kubernetes`` (its client is slow to import).
"""

from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence


async def check_tcp(host: str, port: int) -> tuple[bool, str]:
    _, writer = await asyncio.open_connection(host, port)
    writer.close()
    await writer.wait_closed()
    return True, "connected"


def check_http(
    url: str, method: str, timeout_s: float, expect_status: Sequence[int]
) -> tuple[bool, str]:
    """Blocking: run it in a thread."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 — http(s) only, checked by the profile
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise OSError(str(reason.strerror if isinstance(reason, OSError) else reason)) from None
    ok = status in expect_status if expect_status else 200 <= status < 400
    return ok, f"status {status}"


async def resolve(name: str) -> list[str]:
    """The addresses ``name`` resolves to; empty when it does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return sorted({str(answer[4][0]) for answer in answers})


async def check_dns(name: str) -> tuple[bool, str]:
    addresses = await resolve(name)
    if not addresses:
        return False, "does not resolve"
    plural = "es" if len(addresses) != 1 else ""
    return True, f"{len(addresses)} address{plural}: {', '.join(addresses[:5])}"
