"""What every output module makes: files, each with how to draw it and what it shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from statusgen.derive import Derived
from statusgen.model.content import Site
from statusgen.model.state import IncidentState

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True, slots=True)
class Shows:
    """Everything a file shows besides the configuration, the theme and the site's templates
    and catalogs (which every file is taken to show).

    The file is made again whenever any of it changes, and only then: declare all of it."""

    # The incidents it shows: their files and the updates visible at build time.
    incidents: Sequence[IncidentState] = ()
    # True: as they stand at build time (an open incident's duration, estimate and SLA clock
    # move with it). False: their updates as they were posted, as a feed shows them.
    live: bool = True
    clock: bool = False  # it shows the build time itself, such as "as of 14:05"
    # Anything else it shows that follows from neither of the above (a component's status
    # on its page, the number of pages of a list): strings.
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the site: a relative POSIX path and how to draw its bytes.

    `draw` is a pure function of what `shows` declares: whichever process calls it, whenever,
    it gives the same bytes. Without `shows`, the file is drawn at every build."""

    path: str
    draw: Callable[[], bytes]
    shows: Shows | None = None


@dataclass(frozen=True, slots=True)
class Inputs:
    """What output modules draw from."""

    site: Site
    derived: Derived
    templates: jinja2.Environment
