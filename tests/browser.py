"""Debian's chromium, headless, driven by Selenium through Debian's chromedriver: the browser the
tests check pages in, and the one the README's screenshots are taken with.

The driver is given by path, so Selenium runs the system's browser and driver as they are and
never looks for (or downloads) its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

BROWSER = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")


def unavailable() -> str | None:
    """What this machine lacks to drive the browser, or None when nothing is missing."""
    if not BROWSER.is_file() or not DRIVER.is_file():
        return f"{BROWSER} and {DRIVER} (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium (in the test extra)"
    return None


def skip_unless_required(reason: str) -> NoReturn:
    """Skip the test that needs what `reason` says is missing; fail it instead when
    STATUSGEN_REQUIRE_BROWSER is set (as CI sets it), where the browser checks must run."""
    import pytest

    if os.environ.get("STATUSGEN_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and STATUSGEN_REQUIRE_BROWSER is set")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """The browser, started headless, and quit however the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    try:
        driver.set_script_timeout(60)
        yield driver
    finally:
        driver.quit()


def show(driver: WebDriver, url: str, width: int, scheme: str, height: int = 800) -> None:
    """Load `url` in a viewport `width` by `height` pixels (a phone's below 600 wide: the page's
    viewport meta tag then applies), in the light or dark colour scheme."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    driver.get(url)
