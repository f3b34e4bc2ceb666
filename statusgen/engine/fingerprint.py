"""Everything besides the incidents that can change a byte of the site, as one digest."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from statusgen.engine.store import STAMP
from statusgen.load.config import CONFIG_FILE
from statusgen.markup import EXTENSIONS
from statusgen.model.content import SiteInfo
from statusgen.model.sla import SlaConfig

# The libraries whose versions shape the output (a new nh3 may sanitize differently, say).
LIBRARIES = (
    "jinja2", "markupsafe", "markdown", "nh3", "pyyaml", "babel", "feedgen", "lxml",
    "python-dateutil", "icalendar", "anybadge", "holidays",
)  # fmt: skip


def environment(zones: Iterable[ZoneInfo]) -> bytes:
    """What the machine contributes to a build besides the libraries' code: the rules of each time
    zone used, as the zoneinfo module finds them, and the version of the holidays data. A changed
    rule moves every instant read in its zone, and a new holiday moves deadlines, so nothing made
    under the old ones may be reused."""
    parts = [f"holidays={library_version('holidays')}\0".encode()]
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


@functools.cache  # a library cannot change while statusgen runs
def library_version(library: str) -> str:
    """The installed version of `library` ("?" if it is not installed), as importlib.metadata
    tells it, from the name of its `.dist-info` folder where there is one: reading the metadata
    itself costs a build more than all its other start-up checks together."""
    wanted = _normalized(library)
    for folder in sys.path:
        version = _distributions(folder or ".").get(wanted)
        if version is not None:
            return version
    from importlib import metadata  # a distribution installed some other way (an .egg-info)

    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "?"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _distributions(folder: str) -> dict[str, str]:
    """The version of each distribution with a `.dist-info` folder in `folder`, by normalized
    name (the first listed, in name order, where two versions lie side by side)."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return {}
    found: dict[str, str] = {}
    for entry in entries:
        name, _, rest = entry.partition("-")
        if rest.endswith(".dist-info"):
            found.setdefault(_normalized(name), rest.removesuffix(".dist-info"))
    return found


# The Markdown converter and sanitizer incident updates are read with.
CONVERTER = f"markdown {library_version('markdown')} {EXTENSIONS}, nh3 {library_version('nh3')}"


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a build reads besides the incident files, digested as it starts. Digested again as
    it ends: what a build made from inputs that changed meanwhile is not kept."""

    config: str  # components.yaml
    files: str  # the theme, the catalogs, the site's templates and catalogs
    libraries: str  # Python's and the libraries' versions


def read_inputs(project: Path) -> Inputs:
    config = project / CONFIG_FILE
    data = config.read_bytes() if config.is_file() else b""
    package = Path(str(resources.files("statusgen")))
    roots = [package / "theme", package / "locale", project / "templates", project / "locale"]
    files = hashlib.blake2b(digest_size=20)
    for root in roots:
        for path in _files(root):
            files.update(str(path.relative_to(root)).encode() + b"\0")
            files.update(path.read_bytes())
    versions = [f"python={sys.version}"]
    versions += [f"{library}={library_version(library)}" for library in LIBRARIES]
    return Inputs(
        hashlib.blake2b(data, digest_size=20).hexdigest(),
        files.hexdigest(),
        hashlib.blake2b("\0".join(versions).encode(), digest_size=20).hexdigest(),
    )


def _files(root: Path) -> list[Path]:
    """Every file under `root`, in a stable order, through links to folders as the template
    loader follows them (each real folder once, so a link cycle ends)."""
    found: list[Path] = []
    seen: set[str] = set()
    for folder, names, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            names.clear()
            continue
        seen.add(real)
        names.sort()
        found += [
            Path(folder, name) for name in sorted(files) if os.path.isfile(Path(folder, name))
        ]
    return found


def parse_key(inputs: Inputs, zones: Iterable[ZoneInfo]) -> str:
    """What an incident file is parsed with besides its bytes: the configuration (components,
    priorities, the time zone), statusgen's code, the Markdown converter and sanitizer, and
    the rules of the time zones its times are read in."""
    digest = hashlib.blake2b(inputs.config.encode(), digest_size=20)
    digest.update(code())
    digest.update(f"{CONVERTER}, pyyaml {library_version('pyyaml')}".encode())
    digest.update(environment(zones))
    return digest.hexdigest()


def fingerprint(inputs: Inputs, zones: Iterable[ZoneInfo]) -> str:
    """A digest of everything besides the incidents that can change a byte of the site."""
    parts = (parse_key(inputs, zones), inputs.files, inputs.libraries)
    return hashlib.blake2b("\0".join(parts).encode()).hexdigest()


def templates_key(inputs: Inputs, catalog: str) -> str:
    """What compiled templates depend on besides their source: statusgen's code (the
    environment's options), the libraries, the configuration (Jinja folds a filter applied to
    a constant, in the site's language, when it compiles), and the catalog."""
    parts = (code().hex(), inputs.libraries, inputs.config, catalog)
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


@functools.cache
def code() -> bytes:
    """statusgen's own code and version: a change to either may change any byte it makes."""
    digest = hashlib.blake2b(repr(STAMP).encode(), digest_size=20)
    package = Path(str(resources.files("statusgen")))
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def site_zones(info: SiteInfo, sla: SlaConfig) -> list[ZoneInfo]:
    """Every time zone the site reads or shows times in."""
    return [info.timezone, *(calendar.timezone for calendar in sla.calendars_in_use)]
