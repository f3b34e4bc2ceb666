"""`statusgen serve`: a local preview that rebuilds on every change and reloads open pages.

The published site has no JavaScript; only pages served here get a small script that polls the
server and reloads when a build finishes. A failed build never replaces the last good site: the
errors go to the terminal and, as a banner, onto every page served until the content is fixed.

An unknown address gets the site's 404 page, as a static host serves it. That page links to
`site.url` (it is served at any depth, so it cannot link relatively); here its links are pointed
at the preview instead, so that they lead on within it. The folder built is the one `build`
writes, byte for byte: only what is served differs, by the preview's script and those links.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import unquote

from markupsafe import escape
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from statusgen import build as pipeline
from statusgen.errors import BuildFailed, StatusgenError
from statusgen.load.config import CONFIG_FILE
from statusgen.load.listing import INCIDENTS_DIR
from statusgen.render.i18n import load_translations
from statusgen.render.i18n import marked as _

WATCHED_DIRS = (INCIDENTS_DIR, "templates", "locale")
STATE_PATH = "/__statusgen/state"
_RELOAD_SCRIPT = (
    "<script>(function(){var b=BUILD,e=FAILED;setInterval(function(){"
    "fetch('STATE',{cache:'no-store'}).then(function(r){return r.json()})"
    ".then(function(s){if(s.build!==b||(s.errors.length>0)!==e)location.reload()})"
    ".catch(function(){})},500)})();</script>"
)
NOT_FOUND_PAGE = "404.html"
_SETTLE_SECONDS = 0.1  # editors write a file in several steps; build once they are done


_FAILED = _("The last change does not build; showing the last good site.")


@dataclass
class PreviewState:
    build: int = 0
    errors: list[str] = field(default_factory=list)
    headline: str = _FAILED  # the banner's, in the language of the last good site
    site_url: str = ""  # the last good site's, which its 404 page links to
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> tuple[int, list[str]]:
        with self.lock:
            return self.build, list(self.errors)


def serve(
    project: Path,
    out: Path | None,
    port: int,
    *,
    quiet: bool = False,
    now: datetime | None = None,
) -> int:
    """Preview the site on 127.0.0.1:`port`, rebuilt on every change (as of `now`, fixed, when
    given: to see a maintenance window open, or an SLA deadline pass)."""
    if out is not None:  # refused before anything is served (OutputError), as `build` does
        from statusgen.write import check_destination

        check_destination(
            project, out, hint=f"replace it once with 'statusgen build --force --out {out}'"
        )
    temporary = out is None
    target = out or Path(tempfile.mkdtemp(prefix="statusgen-preview-")) / "site"
    try:
        return _serve(project, target, port, quiet, now)
    finally:  # however it ends, a preview leaves no folder of its own behind
        if temporary:
            shutil.rmtree(target.parent, ignore_errors=True)


def _serve(project: Path, target: Path, port: int, quiet: bool, now: datetime | None) -> int:
    state = PreviewState()
    handler = partial(_Handler, state=state, directory=str(target))
    # Bound first: a port that is taken is said at once, before any build.
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise StatusgenError(
            f"port {port} is in use on 127.0.0.1 (another preview?); choose another with "
            "--port, or --port 0 for any free one"
        ) from None
    rebuild = partial(_rebuild, project, target, state, quiet, now)
    try:
        rebuild()
    except BaseException:
        server.server_close()
        raise
    changed = threading.Event()
    observer = Observer()
    # By its absolute path: watching "." makes watchdog warn about every folder under it.
    observer.schedule(_Watcher(project, changed), str(project.resolve()), recursive=True)
    observer.start()
    worker = threading.Thread(target=_rebuild_loop, args=(changed, rebuild), daemon=True)
    worker.start()
    print(f"Serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        # Events still arriving while the watcher stops are of no interest; watchdog logs them.
        logging.getLogger("watchdog").setLevel(logging.CRITICAL)
        observer.stop()
        observer.join(timeout=5)
    if not quiet:
        print("stopped", flush=True)
    return 0


def _translated(project: Path, language: str, message: str) -> str:
    try:
        return load_translations(project, language).gettext(message)
    except StatusgenError:  # the build read the same catalog; it cannot fail here but by a race
        return message


def _rebuild(
    project: Path, target: Path, state: PreviewState, quiet: bool, now: datetime | None
) -> None:
    started = time.perf_counter()
    try:
        report = pipeline.build(project, target, now=now)
    except BuildFailed as failed:
        errors = [str(e) for e in failed.errors]
    except StatusgenError as error:
        errors = [str(error)]
    except Exception as error:  # a preview must outlive anything a half-saved file can cause
        errors = [f"unexpected {type(error).__name__}: {error}"]
    else:
        headline = _translated(project, report.site.info.language, _FAILED)
        with state.lock:
            state.build += 1
            state.errors = []
            state.headline = headline
            state.site_url = report.site.info.url
        for warning in report.warnings:
            print(f"statusgen: warning: {warning}", file=sys.stderr, flush=True)
        if not quiet:
            seconds = time.perf_counter() - started
            print(f"built {report.files} files in {seconds:.2f} s", flush=True)
        return
    with state.lock:
        state.errors = errors
    for line in errors:
        print(line, file=sys.stderr, flush=True)
    print(
        f"statusgen: {len(errors)} error(s); still serving the last good site",
        file=sys.stderr,
        flush=True,
    )


def _rebuild_loop(changed: threading.Event, rebuild: Any) -> None:
    while True:
        changed.wait()
        time.sleep(_SETTLE_SECONDS)
        changed.clear()
        rebuild()


class _Watcher(FileSystemEventHandler):
    def __init__(self, project: Path, changed: threading.Event) -> None:
        self.project = project.resolve()
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(self._relevant(str(p)) for p in paths if p):
            self.changed.set()

    def _relevant(self, path: str) -> bool:
        try:
            parts = Path(path).resolve().relative_to(self.project).parts
        except ValueError:
            return False
        if not parts or any(p.startswith(".") for p in parts):
            return False
        return parts == (CONFIG_FILE,) or parts[0] in WATCHED_DIRS


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, state: PreviewState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for build results and errors

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        try:
            self._serve(head)
        except ConnectionError:  # the browser went away mid-answer; nothing to tell it
            self.close_connection = True

    def _serve(self, head: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == STATE_PATH:
            build, errors = self.state.snapshot()
            body = json.dumps({"build": build, "errors": errors})
            self._send(200, "application/json", body, head)
            return
        problem = self._malformed(path)
        if problem:
            self.send_error(400, problem)
            return
        try:
            file = Path(self.translate_path(path))
            if file.is_dir():
                file = file / "index.html"
            page = file.read_text("utf-8") if file.suffix == ".html" and file.is_file() else None
        except (OSError, UnicodeDecodeError):  # a name too long, or swapped away by a rebuild
            self.send_error(404)
            return
        if page is not None:
            if file == Path(self.directory, NOT_FOUND_PAGE):
                page = self._linked_to_preview(page)
            self._send(200, "text/html; charset=utf-8", self._with_preview(page), head)
            return
        if not Path(self.directory, "index.html").is_file():  # nothing ever built
            page = "<!DOCTYPE html><html><head><title>statusgen</title></head><body></body></html>"
            self._send(503, "text/html; charset=utf-8", self._with_preview(page), head)
            return
        if head:
            super().do_HEAD()
        else:
            super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_FOUND:
            try:
                page = Path(self.directory, NOT_FOUND_PAGE).read_text("utf-8")
            except (OSError, UnicodeDecodeError):  # none built yet, or swapped away by a rebuild
                pass
            else:
                body = self._with_preview(self._linked_to_preview(page))
                self._send(code, "text/html; charset=utf-8", body, self.command == "HEAD")
                return
        super().send_error(code, message, explain)

    def _linked_to_preview(self, page: str) -> str:
        """The 404 page with its links to the site's address (`site.url`, whatever its host
        and path) leading to the preview's root instead."""
        with self.state.lock:
            url = self.state.site_url
        if not url:
            return page
        # The page's links are written by its templates as href="…" and src="…", escaped.
        links = re.compile(r'\b(href|src)="' + re.escape(str(escape(url))))
        return links.sub(lambda found: f'{found[1]}="/', page)

    def send_head(self) -> Any:
        try:
            return super().send_head()
        except (OSError, ValueError):  # the file went away, or a name the system refuses
            self.send_error(404)
            return None

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404)  # a static host lists no folders either
        return None

    @staticmethod
    def _malformed(path: str) -> str | None:
        """Why a request path can name no file of the site (as a reason phrase), or None."""
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return "Path not UTF-8"
        if not decoded.startswith("/"):
            return "Path not absolute"
        if any(ord(ch) < 32 or ch == "\x7f" for ch in decoded):
            return "Control character in path"
        if ".." in decoded.split("/"):
            return "Path outside the site"
        return None

    def _send(self, code: int, content_type: str, body: str, head: bool = False) -> None:
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _with_preview(self, page: str) -> str:
        build, errors = self.state.snapshot()
        banner = ""
        if errors:
            items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
            banner = (
                '<div id="statusgen-errors" role="alert" style="position:sticky;top:0;z-index:9;'
                'background:#b42318;color:#fff;padding:.75rem 1rem;font:14px/1.4 monospace">'
                f"<strong>{html.escape(self.state.headline)}</strong>"
                f'<ul style="margin:.4rem 0 0;padding-left:1.2rem">{items}</ul></div>'
            )
        script = (
            _RELOAD_SCRIPT.replace("BUILD", str(build))
            .replace("FAILED", "true" if errors else "false")
            .replace("STATE", STATE_PATH)
        )
        body_open = page.find(">", page.find("<body")) + 1 if "<body" in page else 0
        page = page[:body_open] + banner + page[body_open:]
        closing = page.rfind("</body>")
        return page[:closing] + script + page[closing:] if closing >= 0 else page + script
