"""Posting JSON to a webhook, once, and saying in a few words why it failed.

The address is a secret (a webhook's token is in it): no message made here contains it, nor any
text of an exception that might (urllib and http.client put the address in some of theirs)."""

from __future__ import annotations

import errno
import http.client
import json
import re
import socket
import ssl
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from statusgen import __version__
from statusgen.notify.channel import DeliveryError

USER_AGENT = f"statusgen/{__version__} (+https://github.com/statusgen/statusgen)"
TIMEOUT = 15.0  # seconds for connecting, and for each read; Statuspage allows receivers 30
# Seconds for a whole request: the per-read timeout alone lets a server that answers a byte at a
# time hold the run, and every channel after it, until the job is stopped.
DEADLINE = 45.0
_SHOWN_ERROR = re.compile(r"[A-Za-z0-9_ .:-]{1,60}")  # an error code a service answers with


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is a failure (as Statuspage counts it): a redirected POST would lose its body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(
    url: str, payload: Any, headers: dict[str, str] | None = None, *, timeout: float | None = None
) -> bytes:
    """POST `payload` as JSON to `url`; the body of a 2xx answer, or DeliveryError. A request
    not answered in full within DEADLINE is left to finish (or not) on its own thread, which
    ends with the process, and fails as timed out."""
    outcome: list[bytes | BaseException] = []

    def attempt() -> None:
        try:
            outcome.append(_post(url, payload, headers, timeout))
        except BaseException as error:  # handed to the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=attempt, name="statusgen-post", daemon=True)
    worker.start()
    worker.join(DEADLINE)
    if not outcome:
        raise DeliveryError(f"timed out (no full answer within {DEADLINE:g} s)", temporary=True)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _post(url: str, payload: Any, headers: dict[str, str] | None, timeout: float | None) -> bytes:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        **(headers or {}),
    }
    try:
        request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")
        with _OPENER.open(request, timeout=timeout or TIMEOUT) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as error:
        raise _http_failure(error) from None
    except urllib.error.URLError as error:
        raise _network_failure(error.reason) from None
    except (http.client.HTTPException, OSError) as error:
        raise _network_failure(error) from None
    except ValueError:  # an address urllib cannot use
        raise DeliveryError("the address is not a valid http(s) URL", temporary=False) from None


def _http_failure(error: urllib.error.HTTPError) -> DeliveryError:
    code = error.code
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "error"
    reason = f"{code} {phrase}"
    detail = _service_error(error)
    if detail:
        reason += f": {detail}"
    if 300 <= code < 400:
        return DeliveryError(f"{reason} (redirects are not followed)", temporary=False)
    temporary = code in (408, 425, 429) or code >= 500
    return DeliveryError(reason, temporary=temporary, retry_after=_retry_after(error))


def _service_error(error: urllib.error.HTTPError) -> str:
    """What the service said, when it is a short code such as Slack's `invalid_blocks`."""
    try:
        text = error.read(200).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    return text if _SHOWN_ERROR.fullmatch(text) else ""


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    """Retry-After, in seconds or as an HTTP date; None when absent or unreadable."""
    value = (error.headers.get("Retry-After") or "").strip() if error.headers else ""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(tz=UTC)).total_seconds())


def _network_failure(reason: object) -> DeliveryError:
    if isinstance(reason, ConnectionRefusedError):
        shown = "connection refused"
    elif isinstance(reason, TimeoutError):
        shown = "timed out"
    elif isinstance(reason, socket.gaierror):
        shown = "host not found"
    elif isinstance(reason, ssl.SSLCertVerificationError):
        shown = "TLS certificate not trusted"
    elif isinstance(reason, ssl.SSLError):
        shown = "TLS error"
    elif isinstance(reason, ConnectionResetError):
        shown = "connection reset"
    elif isinstance(reason, http.client.HTTPException):
        shown = "the server closed the connection or answered in a way HTTP does not allow"
    elif isinstance(reason, OSError) and reason.errno is not None:
        shown = errno.errorcode.get(reason.errno, "network error")
    else:
        shown = "network error"
    return DeliveryError(shown, temporary=True)
