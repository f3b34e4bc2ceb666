"""`statusgen serve` answers malformed requests with an HTTP error and goes on serving, and an
unknown address with the site's 404 page, whose links lead on within the preview."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html

from tests.conftest import COMPONENTS, MakeProject, incident

GOOD = incident(
    "title: Slow\nimpact: minor\ncomponents: [db]", "## Investigating 2026-11-20 14:10\nHm.\n"
)


def request(port: int, target: str, method: str = "GET") -> tuple[int, bytes]:
    """The status and body of one request, sent byte for byte as given (no client cleans it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        head = f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        connection.sendall(head.encode("latin-1"))
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    if not response:  # the server dropped the connection without a word
        return 0, b""
    status = int(response.split(b" ", 2)[1])
    return status, response.partition(b"\r\n\r\n")[2]


@contextmanager
def preview(project: Path, *options: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`statusgen serve` running on a free port: the port and the process."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statusgen",
            "-C",
            str(project),
            "-q",
            "serve",
            "--port",
            "0",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stdout is not None
    line = ""
    while "Serving" not in line:
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
    port = int(re.search(r"127\.0\.0\.1:(\d+)/", line).group(1))  # type: ignore[union-attr]
    try:
        yield port, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


@pytest.fixture
def server(make_project: MakeProject) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    with preview(make_project({"incidents/slow.md": GOOD})) as started:
        yield started


BAD_REQUESTS = [
    ("/%00", 400),  # a NUL byte: no file system takes it
    ("/index.html%00.txt", 400),
    ("/%ff", 400),  # not UTF-8
    ("/%c3%28", 400),  # a broken UTF-8 sequence
    ("/%0a", 400),  # a control character
    ("/../../etc/passwd", 400),
    ("/..%2f..%2fetc%2fpasswd", 400),
    ("/static/%2e%2e/index.html", 400),
    ("/" + "a" * 5000, 404),  # a name longer than any file system allows
    ("/" + "a/" * 3000, 404),  # a path longer than any file system allows
    ("/static/", 404),  # a folder without index.html: not listed
    ("/api/v2/", 404),
    ("/" + "a" * 70_000, 414),
]


def test_bad_requests_get_an_error_and_the_next_one_is_served(
    server: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = server
    status, page = request(port, "/")
    assert status == 200 and b"Example Status" in page
    for target, expected in BAD_REQUESTS:
        for method in ("GET", "HEAD"):
            assert request(port, target, method)[0] == expected, (method, target[:40])
            status, page = request(port, "/incidents/slow.html")
            assert status == 200 and b"Slow" in page, target[:40]
    assert request(port, "/static/style.css")[0] == 200
    assert request(port, "/index.html", "HEAD") == (200, b"")  # headers only
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "Traceback" not in err and "Exception" not in err, err


def links_into_the_site(page: bytes, address: str) -> set[str]:
    """The addresses of the links, style sheets, scripts and images of `page`, as a browser
    at `address` resolves them, but those within the page itself (`#main`) and those leading out
    of the site (a mail address)."""
    values = html.fromstring(page).xpath("//@href | //@src")
    found = {urljoin(address, value) for value in values if not value.startswith("#")}
    return {link.partition("#")[0] for link in found if link.startswith(("http:", "https:"))}


@pytest.mark.parametrize(
    "url",
    ["https://example.github.io/status/", "https://status.example.com/", "https://x.example/a&b/"],
)
def test_an_unknown_address_gets_the_404_page_and_its_links_lead_on_in_the_preview(
    make_project: MakeProject, tmp_path: Path, url: str
) -> None:
    components = COMPONENTS.replace("https://example.github.io/status/", url)
    project = make_project({"incidents/slow.md": GOOD}, components=components)
    out = tmp_path / "site"
    with preview(project, "--out", str(out)) as (port, _):
        origin = f"http://127.0.0.1:{port}"
        built = (out / "404.html").read_text("utf-8")
        assert 'href="' + url.replace("&", "&amp;") + 'index.html"' in built  # as published
        for missing in ("/a/b/c/missing", "/missing.html", "/static/missing.png", "/status/"):
            status, page = request(port, missing)
            assert status == 404, missing
            assert html.fromstring(page).findtext(".//h1") == "Page not found"
            links = links_into_the_site(page, origin + missing)
            assert links and all(urlsplit(link).netloc == f"127.0.0.1:{port}" for link in links)
            for link in links:
                assert request(port, urlsplit(link).path)[0] == 200, (missing, link)
            # Served as built, but for its links and the preview's script.
            published = page.decode().replace('="/', '="' + url.replace("&", "&amp;"))
            script = published.index("<script>(function(){")
            assert (
                published[:script] + published[published.index("</script>", script) + 9 :] == built
            )
        assert request(port, "/a/missing", "HEAD") == (404, b"")
        status, page = request(port, "/404.html")  # looked at directly, it links within too
        assert status == 200 and links_into_the_site(page, origin + "/404.html") == links
        assert (out / "404.html").read_text("utf-8") == built  # the folder is left as built


def test_the_preview_shows_the_site_as_of_now_when_asked(make_project: MakeProject) -> None:
    # To see a maintenance open or a deadline pass before it happens: every rebuild keeps --now.
    project = make_project({"incidents/slow.md": GOOD})
    with preview(project, "--now", "2026-11-22 12:00") as (port, _):
        status, page = request(port, "/index.html")
        assert status == 200
        as_of = html.fromstring(page).xpath("//main//p[time][1]/time/@datetime")
        assert as_of[0] == "2026-11-22T15:00:00Z"  # 12:00 in São Paulo
