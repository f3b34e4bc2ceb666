"""Everything besides the incidents that can change a byte of the site, as one digest."""

from __future__ import annotations

import functools
import hashlib
import os
import zoneinfo
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path
from zoneinfo import ZoneInfo

from statusgen.engine.store import STAMP
from statusgen.load.config import CONFIG_FILE
from statusgen.markup import CONVERTER
from statusgen.model.content import SiteInfo
from statusgen.model.sla import SlaConfig

# The libraries whose versions shape the output (a new nh3 may sanitize differently, say).
_LIBRARIES = ("jinja2", "markdown", "nh3", "babel", "feedgen", "icalendar", "anybadge", "holidays")


def environment(zones: Iterable[ZoneInfo]) -> bytes:
    """What the machine contributes to a build besides the libraries' code: the rules of each time
    zone used, as the zoneinfo module finds them, and the version of the holidays data. A changed
    rule moves every instant read in its zone, and a new holiday moves deadlines, so nothing made
    under the old ones may be reused."""
    parts = [f"holidays={_version('holidays')}\0".encode()]
    for key in sorted({str(zone) for zone in zones}):
        parts.append(key.encode() + b"\0" + _zone_rules(key))
    return b"".join(parts)


@functools.cache
def _zone_rules(key: str) -> bytes:
    """The file zoneinfo reads for `key`: the first on its search path (PYTHONTZPATH, or the
    system's zoneinfo), else the tzdata package's."""
    for root in zoneinfo.TZPATH:
        path = os.path.join(root, key)
        if os.path.isfile(path):
            with open(path, "rb") as stream:
                return stream.read()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError):
        return b"?"


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "?"


def parse_key(project: Path, zones: Iterable[ZoneInfo]) -> str:
    """What an incident file is parsed with besides its bytes: the configuration (components,
    priorities, the time zone), statusgen's code, the Markdown converter and sanitizer, and
    the rules of the time zones its times are read in."""
    config = project / CONFIG_FILE
    digest = hashlib.blake2b(config.read_bytes() if config.is_file() else b"", digest_size=20)
    digest.update(_code())
    digest.update(f"{CONVERTER}, pyyaml {_version('pyyaml')}".encode())
    digest.update(environment(zones))
    return digest.hexdigest()


def fingerprint(project: Path, zones: Iterable[ZoneInfo]) -> str:
    """A digest of everything besides the incidents that can change a byte of the site."""
    digest = hashlib.blake2b(parse_key(project, zones).encode())
    for library in _LIBRARIES:
        digest.update(f"{library}={_version(library)}\0".encode())
    package = Path(str(resources.files("statusgen")))
    roots = [package / "theme", package / "locale", project / "templates", project / "locale"]
    for root in roots:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _code() -> bytes:
    """statusgen's own code and version: a change to either may change any byte it makes."""
    digest = hashlib.blake2b(repr(STAMP).encode(), digest_size=20)
    package = Path(str(resources.files("statusgen")))
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def site_zones(info: SiteInfo, sla: SlaConfig) -> list[ZoneInfo]:
    """Every time zone the site reads or shows times in."""
    return [info.timezone, *(calendar.timezone for calendar in sla.calendars.values())]
