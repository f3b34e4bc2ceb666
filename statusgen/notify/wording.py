"""A notice in the site's language, as plain text every channel lays out its own way: the
status, the title, what the update says, the components, the estimate and the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statusgen.model.content import SiteInfo
from statusgen.model.state import Phase
from statusgen.notify.notices import Notice
from statusgen.outputs.plain_text import plain_name, plain_text
from statusgen.render.filters import Filters
from statusgen.render.i18n import load_translations
from statusgen.render.i18n import marked as _

HEADLINE = _("%(status)s: %(title)s")
COMPONENTS = _("Components")
VIEW = _("View on the status page")


@dataclass(frozen=True, slots=True)
class Fact:
    label: str  # "Estimated resolution"
    value: str  # "22 Nov 2026, 18:00 BRT"


@dataclass(frozen=True, slots=True)
class Wording:
    """What a channel shows of one notice, in the site's language; all of it plain text."""

    site: str  # the site's title
    status: str  # "Resolved"
    title: str  # the incident's or maintenance's title
    headline: str  # "Resolved: Courses fail to load"
    body: str  # what the update says
    facts: tuple[Fact, ...]  # the components, the estimate or the window
    link: str  # "View on the status page"
    url: str  # the update on the site

    def as_text(self) -> str:
        """Everything, as lines of plain text (a message's fallback, the dry run)."""
        lines = [self.headline, "", self.body, ""] if self.body else [self.headline, ""]
        lines += [f"{fact.label}: {fact.value}" for fact in self.facts]
        lines.append(f"{self.link}: {self.url}")
        return "\n".join(lines)


class Phrasebook:
    """How each notice of one site is worded: its catalogs are read once."""

    def __init__(self, project: Path, info: SiteInfo) -> None:
        self.info = info
        self.filters = Filters(info, load_translations(project, info.language))
        self.gettext = self.filters.translations.gettext

    def of(self, notice: Notice) -> Wording:
        words = self.filters.words
        update = notice.update
        status = words.label(update.status)
        title = plain_name(notice.state.incident.title)
        if update.automatic:  # worded as the pages word a transition made on schedule
            body = words.message(update.status, "automatic") % {}
        else:
            body = plain_text(update.rendered)
        names = [plain_name(component.name) for component, _status in notice.affected]
        facts = [Fact(self.gettext(COMPONENTS), ", ".join(names))] if names else []
        incident = notice.state.incident
        if notice.state.is_maintenance and not update.status.closes:
            if incident.scheduled_start is not None:
                start = words.message(Phase.UPCOMING, "start") % {}
                facts.append(Fact(start, self.moment(incident.scheduled_start)))
            if notice.eta is not None:
                facts.append(
                    Fact(words.message(Phase.UPCOMING, "end") % {}, self.moment(notice.eta))
                )
        elif notice.eta is not None:
            facts.append(Fact(words.message(Phase.OPEN, "end") % {}, self.moment(notice.eta)))
        return Wording(
            site=plain_name(self.info.title),
            status=status,
            title=title,
            headline=self.gettext(HEADLINE) % {"status": status, "title": title},
            body=body,
            facts=tuple(facts),
            link=self.gettext(VIEW),
            url=notice.url,
        )

    def moment(self, moment: datetime) -> str:
        """A time as a feed shows it on its own: the site's zone, named."""
        local = moment.astimezone(self.info.timezone)
        return f"{self.filters.format_local(local, 'medium')} {self.filters.zone_label(local)}"
