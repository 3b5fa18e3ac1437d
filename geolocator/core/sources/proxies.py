"""The environment's proxies for an httpx client that brings its own transport.

httpx reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY only when it builds the transport
itself; fetch.make_client gives it a retrying one, so the proxies are mounted here. Both readings
come from the standard library, as httpx's own does: urllib.request.getproxies() (the variables,
lower case first; on Windows and macOS the system's settings when none is set) and
urllib.request.proxy_bypass(host) (NO_PROXY: "*" alone = every host direct; otherwise a
comma-separated list of names, each matching that host and its subdomains, a leading dot ignored,
"host:port" only that port; on Windows and macOS the system's exceptions).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

import httpx

SCHEMES = ("http", "https", "all")  # what a proxy may be mounted for, as httpx mounts them


def environment_proxies() -> dict[str, str]:
    """{"http" | "https" | "all": proxy URL} from urllib.request.getproxies(); other schemes
    (ftp, a CI's "apt" proxy) are not ours. A proxy given without a scheme ("host:3128") is an
    http:// proxy, as curl and httpx read it."""
    found = urllib.request.getproxies()
    return {scheme: url if "://" in url else f"http://{url}" for scheme in SCHEMES if (url := found.get(scheme))}


def request_host(url: httpx.URL) -> str:
    """The host as proxy_bypass reads it: "name", or "name:port" when the URL gives a port. An
    IPv6 address stays without brackets: proxy_bypass splits the port off at the last colon, so
    "::1:8080" is ::1 on port 8080 (and NO_PROXY=::1 matches it), while "[::1]:8080" would not match."""
    return url.host if url.port is None else f"{url.host}:{url.port}"


class BypassRoute(httpx.BaseTransport):
    """A mount for one scheme: each request goes through `proxied` unless `bypass(host)` (NO_PROXY)
    says that host is reached directly, through `direct` (the client's own transport, which the
    client closes: only `proxied` is closed here)."""

    def __init__(self, proxied: httpx.BaseTransport, direct: httpx.BaseTransport,
                 bypass: Callable[[str], bool] = urllib.request.proxy_bypass) -> None:
        self.proxied = proxied
        self.direct = direct
        self.bypass = bypass

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = self.direct if self.bypass(request_host(request.url)) else self.proxied
        return route.handle_request(request)

    def close(self) -> None:
        self.proxied.close()


def proxy_mounts(through: dict[str, httpx.BaseTransport],
                 direct: httpx.BaseTransport) -> dict[str, httpx.BaseTransport] | None:
    """httpx mounts {"http://" | "https://" | "all://": BypassRoute} from `through` {scheme: the
    transport to that scheme's proxy} (environment_proxies' schemes); None when there is none
    (then every request uses the client's own transport, `direct`)."""
    return {f"{scheme}://": BypassRoute(proxied, direct) for scheme, proxied in through.items()} or None
