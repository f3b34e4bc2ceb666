"""The pages in a real browser: Debian's chromium, headless, at phone and desktop widths, light
and dark. Nothing overflows sideways, axe-core finds no WCAG 2.2 A/AA violation, the uptime bars
stay usable on a phone, and the 404 page works at any depth.

The browser is started as tests/browser.py says (the README's screenshots are taken in it too).
axe-core comes from the npm registry, pinned, into the tools cache outside the checkout.
Without chromium, chromedriver or npm these tests are skipped, unless STATUSGEN_REQUIRE_BROWSER
is set (as CI sets it): then they fail."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from statusgen.model.colour import Accent
from tests.browser import chromium, show, skip_unless_required, unavailable
from tests.conftest import COMPONENTS, NOW, copy_example, incident

AXE_NPM = "axe-core@4.10.3"
TOOLS = Path(os.environ.get("STATUSGEN_TOOLS", Path.home() / ".cache/statusgen-test-tools"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 390, 1280)
SCHEMES = ("light", "dark")

# One page of each kind of the example site, as built at NOW: an incident still open, one
# resolved (with a postmortem), a maintenance still to come, the component with most history.
PAGES = {
    "home": "index.html",
    "open incident": "incidents/2026-11-21-sso-errors.html",
    "resolved incident": "incidents/2026-11-04-content-outage.html",
    "maintenance": "incidents/2026-11-28-platform-upgrade.html",
    "component": "components/content.html",
    "history": "history/index.html",
    "SLA report": "sla/index.html",
    "404": "a/b/c/missing",
}


def axe_source() -> str:
    """axe-core's script, installed once from npm into its own folder of the tools cache."""
    prefix = TOOLS / AXE_NPM
    script = prefix / "node_modules/axe-core/axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            skip_unless_required("the accessibility checks need npm to install axe-core")
        subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(prefix),
                AXE_NPM,
            ],
            check=True,
            capture_output=True,
        )
    return script.read_text(encoding="utf-8")


class SiteServer(http.server.ThreadingHTTPServer):
    """Serves a built site as a static host does: an unknown path gets 404.html, status 404.
    It remembers what it was asked for, to tell which requests a page made.

    Closing it waits for the threads of its connections, which end at the latest `timeout`
    seconds after the browser last used them: the tests after these must find no thread
    left, since a build shares its work over processes only when it runs alone in its own."""

    daemon_threads = False

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
        self.requests: list[tuple[str, int]] = []
        self.root = root
        self.not_found = root / "404.html"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: SiteServer
    timeout = 2  # seconds a connection the browser keeps open may stay idle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = self.server.not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.requests.append((self.path, int(code) if str(code).isdigit() else 0))


@pytest.fixture(scope="module", autouse=True)
def _no_thread_left() -> Iterator[None]:
    """Set up first, so checked last: once the browser and the servers are gone, only the
    main thread is left."""
    yield
    assert threading.active_count() == 1, threading.enumerate()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = unavailable()
    if missing:
        skip_unless_required(f"the browser tests need {missing}")
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def serve(root: Path) -> Iterator[SiteServer]:
    server = SiteServer(root)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """The example site built at NOW, served from the root of a host."""
    folder = tmp_path_factory.mktemp("browser")
    project = copy_example(folder / "project")
    build(project, folder / "site", now=NOW)
    yield from serve(folder / "site")


def overflow(driver: Any) -> str:
    """'' when nothing sticks out: not the page sideways, nor the words of a table cell out of
    it (headers written over each other). Else what sticks out."""
    found: str = driver.execute_script(
        """
        // On a phone the browser zooms out to show a page wider than the screen, and innerWidth
        // grows with it; the layout viewport (clientWidth) stays the screen's width.
        const root = document.documentElement, problems = [];
        const width = Math.min(window.innerWidth, root.clientWidth);
        if (root.scrollWidth > width) {
          const out = [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
          problems.push(`scrollWidth ${root.scrollWidth} > ${width}: ${out.join(", ")}`);
        }
        for (const cell of document.querySelectorAll("th, td")) {
          if (cell.scrollWidth > cell.clientWidth + 1)
            problems.push(`"${cell.textContent.trim()}" is wider than its cell`);
        }
        return problems.join("; ");
        """
    )
    return found


def axe_violations(driver: Any, axe: str) -> list[str]:
    """axe-core's WCAG 2.0-2.2 A and AA violations on the current page, one line per node."""
    driver.execute_script(axe)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
          .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));
        """,
        WCAG_TAGS,
    )
    violations = json.loads(result)
    assert isinstance(violations, list), violations
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']}"
        for v in violations
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_fits_and_passes_axe(
    browser: Any, axe: str, example_site: SiteServer, kind: str, width: int, scheme: str
) -> None:
    show(browser, example_site.base + PAGES[kind], width, scheme)
    assert browser.execute_script("return document.styleSheets.length") >= 1
    assert overflow(browser) == ""
    violations = axe_violations(browser, axe)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("width", (320, 390))
def test_no_component_page_overflows_on_a_phone(
    browser: Any, example_site: SiteServer, width: int
) -> None:
    pages = sorted((example_site.root / "components").glob("*.html"))
    assert len(pages) >= 11
    wide = {}
    for page in pages:
        show(browser, f"{example_site.base}components/{page.name}", width, "light")
        found = overflow(browser)
        if found:
            wide[page.name] = found
    assert wide == {}


def requests_after(
    server: SiteServer, done: int, wanted: str, wait: float = 5
) -> list[tuple[str, int]]:
    """The requests made since the first `done`, once one for `wanted` came (a browser asks
    for the icon after the page has loaded), or after `wait` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if any(wanted in path for path, _ in server.requests[done:]):
            break
        time.sleep(0.05)
    return server.requests[done:]


def test_a_page_view_gets_no_404_not_even_for_the_icon(
    browser: Any, example_site: SiteServer
) -> None:
    """What the browser asks for as it shows pages, the icon included: served afresh on
    another port, an origin the browser has never seen, with its cache off."""
    fresh = serve(example_site.root)
    server = next(fresh)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        for number, page in enumerate(("index.html", "components/api.html", "history/index.html")):
            done = len(server.requests)
            show(browser, server.base + page, 390, "light")
            made = requests_after(server, done, "favicon")
            if number == 0:  # the icon chromium picks
                assert {path for path, _ in made} & {
                    "/static/favicon.svg",
                    "/static/favicon-32.png",
                }
            assert [path for path, status in made if status != 200] == [], page
            icons = browser.execute_async_script(
                """
                const done = arguments[arguments.length - 1];
                const links = [...document.querySelectorAll("link[rel~=icon], link[rel=apple-touch-icon]")];
                Promise.all([...links.map(l => l.href), "/favicon.ico"].map(
                  href => fetch(href).then(r => [r.status, r.headers.get("content-type")])))
                  .then(done);
                """
            )
            assert icons == [
                [200, "image/png"],
                [200, "image/svg+xml"],
                [200, "image/png"],
                [200, "image/vnd.microsoft.icon"],
            ], page
    finally:
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
        fresh.close()


@pytest.mark.parametrize(("width", "days"), [(320, 30), (390, 30), (600, 60), (1280, 90)])
def test_uptime_bars_show_fewer_days_on_narrower_screens(
    browser: Any, example_site: SiteServer, width: int, days: int
) -> None:
    show(browser, example_site.base + "index.html", width, "light")
    bars = browser.execute_script(
        """
        return [...document.querySelectorAll(".uptime")].map(bar => [
          [...bar.querySelectorAll(".cell")].filter(c => c.getClientRects().length).length,
          Math.min(...[...bar.querySelectorAll(".cell")].filter(c => c.getClientRects().length)
            .map(c => c.getBoundingClientRect().width)),
          [...bar.querySelectorAll(".uptime-legend span span")].filter(s => s.getClientRects().length)
            .map(s => s.textContent)]);
        """
    )
    assert len(bars) == 11
    for shown, narrowest, legend in bars:
        assert shown == days
        assert narrowest >= 4  # a day is a visible mark (it was 2.6 px at 390 px wide)
        assert legend == [f"{days} days ago"]


def test_every_day_with_an_incident_is_reached_by_keyboard(
    browser: Any, example_site: SiteServer
) -> None:
    """From the home page on a phone, Tab reaches each bar's link to its days; on the
    component page, Tab reaches every incident of every day the bar marks."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def tab_through() -> list[str]:
        """The links Tab reaches, in order, from the top of a page just loaded."""
        reached: list[str] = []
        for _ in range(400):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            href = browser.execute_script(
                """
                const e = document.activeElement;
                if (e === document.body || e.dataset.reached) return null;  // round, or out
                e.dataset.reached = "1";
                return e.href;
                """
            )
            if href is None:
                break
            reached.append(href)
        assert reached, browser.execute_script("return [document.hasFocus(), location.href]")
        return reached

    show(browser, example_site.base + "index.html", 390, "light")
    reached = tab_through()
    details = [href for href in reached if href.endswith(".html#days")]
    assert example_site.base + "components/content.html#days" in details
    show(browser, example_site.base + "components/content.html", 390, "light")
    marked = browser.execute_script(
        """
        return [...document.querySelectorAll(".cell")].filter(c => c.querySelector(".tip-line"))
          .map(c => c.querySelector(".tip strong").textContent);
        """
    )
    rows = browser.execute_script(
        """
        return [...document.querySelectorAll("#days tbody tr")].map(row => [
          row.querySelector("th").textContent, [...row.querySelectorAll("a")].map(a => a.href)]);
        """
    )
    assert marked and sorted(day for day, _ in rows) == sorted(marked)
    reached = tab_through()
    for day, links in rows:
        assert links and all(link in reached for link in links), day


@pytest.fixture(scope="module")
def sub_path_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """A host whose sites live in folders: each test builds one where it likes."""
    folder = tmp_path_factory.mktemp("host")
    yield from serve(folder)


def build_under(
    server: SiteServer, folder: str, project: Path, url: str, site_lines: str = ""
) -> Path:
    """The example site with `site.url` set to `url` (and `site_lines` added to `site`), built
    into `folder` of the host, whose unknown paths then get that site's 404 page."""
    copy_example(project)
    (project / "logo.svg").write_bytes(LOGO)
    config = project / "components.yaml"
    config.write_text(
        config.read_text().replace(
            "  url: https://status.trilha.example/\n", f"  url: {url}\n{site_lines}"
        )
    )
    site = server.root / folder
    build(project, site, now=NOW)
    server.not_found = site / "404.html"
    return site


LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5"/></svg>'


@pytest.mark.parametrize(
    "where",
    [
        "site.url names the sub-path it is served from",
        "site.url is a domain root, the site is served from a sub-path",
    ],
)
def test_the_404_page_works_at_any_depth(
    browser: Any, axe: str, sub_path_server: SiteServer, tmp_path: Path, where: str
) -> None:
    base = sub_path_server.base
    url = f"{base}status/" if "names the sub-path" in where else "https://status.trilha.example/"
    build_under(sub_path_server, "status", tmp_path, url, "  logo: logo.svg\n  favicon: logo.svg\n")
    for depth in ("status/a/b/c/missing", "a/b/c/missing", "status/missing.html"):
        done = len(sub_path_server.requests)
        show(browser, base + depth, 390, "dark")
        made = requests_after(sub_path_server, done, "nothing: let the page settle", wait=1)
        assert made[0] == (f"/{depth}", 404)
        assert made[1:] == [], made  # its style, icon and logo are inside it
        styled = browser.execute_script(
            """
            const header = getComputedStyle(document.querySelector(".site-header"));
            const logo = document.querySelector("img.logo");
            return [header.borderTopWidth, getComputedStyle(document.body).backgroundColor,
                    logo.complete && logo.naturalWidth > 0,
                    document.querySelector("link[rel=icon]").href.slice(0, 19)];
            """
        )
        assert styled == ["4px", "rgb(17, 21, 28)", True, "data:image/svg+xml;"]
        links = browser.execute_script("return [...document.links].map(a => a.href)")
        # Every link into the site goes to site.url (the support contacts go elsewhere).
        inside = [link for link in links if "help.trilha" not in link and "mailto:" not in link]
        assert [link for link in inside if not link.startswith(url) and "#" not in link] == []
        assert axe_violations(browser, axe) == []
        assert overflow(browser) == ""
    if "names the sub-path" in where:  # the links lead to the site
        show(browser, base + "status/a/b/c/missing", 390, "light")
        browser.find_element("link text", "See the current status").click()
        assert browser.current_url == f"{base}status/index.html"
        assert browser.find_element("css selector", "#overall").text


def test_a_branded_site_passes_in_both_schemes(
    browser: Any, axe: str, sub_path_server: SiteServer, tmp_path: Path
) -> None:
    """A pale accent is darkened for the light scheme; the logo shows; axe finds nothing."""
    lines = '  logo: logo.svg\n  accent: "#ffcc00"\n'
    build_under(sub_path_server, "brand", tmp_path, "https://status.trilha.example/", lines)
    accent = Accent.of("#ffcc00")
    for scheme, colour in (("light", accent.light), ("dark", accent.dark)):
        show(browser, sub_path_server.base + "brand/index.html", 390, scheme)
        shown = browser.execute_script(
            """
            const link = document.querySelector("main a"), logo = document.querySelector("img.logo");
            return [getComputedStyle(link).color, logo.naturalWidth > 0, logo.getBoundingClientRect().height];
            """
        )
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert shown == [f"rgb({red}, {green}, {blue})", True, 32]
        assert axe_violations(browser, axe) == []
        assert overflow(browser) == ""


def test_long_words_wrap_instead_of_widening_a_phone_page(
    browser: Any, sub_path_server: SiteServer, tmp_path: Path
) -> None:
    """Names, titles and updates with words longer than a phone is wide (a pasted address)."""
    word = "https://trilha.example/?token=" + "A7f3Kq9Z" * 16
    components = COMPONENTS.replace("name: Public API", f"name: Public API {word[:60]}")
    project = tmp_path / "project"
    (project / "incidents").mkdir(parents=True)
    (project / "components.yaml").write_text(components)
    (project / "incidents/long.md").write_text(
        incident(
            f"title: Errors at {word}\nimpact: major\ncomponents: [api]",
            f"## Investigating 2026-11-22 10:00\nRequests to {word} fail.\n",
        )
    )
    site = sub_path_server.root / "long"
    build(project, site, now=NOW)
    pages = ("index.html", "components/api.html", "history/index.html", "incidents/long.html")
    for page in pages:
        show(browser, f"{sub_path_server.base}long/{page}", 320, "light")
        assert overflow(browser) == "", page


@pytest.fixture(scope="module")
def plans_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """A site with two published plans, an incident on two tiers with a target of its own."""
    from tests.test_plans import PLANS

    folder = tmp_path_factory.mktemp("plans")
    project = folder / "project"
    (project / "incidents").mkdir(parents=True)
    (project / "components.yaml").write_text(COMPONENTS + PLANS, encoding="utf-8")
    (project / "incidents/a.md").write_text(
        incident(
            "title: Slow queries on every service\nimpact: major\ncomponents: [api, db]\n"
            "started: 2026-11-20 10:00\nsla: {resolution: {target: 3bd, calendar: business}}",
            "## Investigating 2026-11-20 10:20\nLooking.\n",
        ),
        encoding="utf-8",
    )
    build(project, folder / "site", now=NOW)
    yield from serve(folder / "site")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["incidents/a.html", "sla/index.html"])
def test_plan_panels_fit_and_pass_axe(
    browser: Any, axe: str, plans_site: SiteServer, path: str, width: int
) -> None:
    show(browser, plans_site.base + path, width, "light")
    assert overflow(browser) == ""
    violations = axe_violations(browser, axe)
    assert violations == [], "\n".join(violations)
    if path.startswith("incidents/"):
        tops = browser.execute_script(
            "return [...document.querySelectorAll('.sla-plan')]"
            ".map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert len(tops) == 2
        # Side by side where they fit, one under the other on a phone.
        assert (tops[0] == tops[1]) is (width >= 1280)
