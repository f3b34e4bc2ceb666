"""The vocabulary: every word the site shows for a status, an impact, the overall indicator, a
phase and an SLA deadline, defined once, here, with the icon that goes with it.

Each message is marked with `_` so that the catalog finds it (`python -m statusgen.render.catalog`)
and is translated where it is shown: pages, feeds and badges show `Words` of the site's
language. The JSON API shows the English source instead (see `english`).
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from enum import Enum
from typing import Final, NamedTuple

import jinja2

from statusgen.model.content import ComponentStatus, Impact, Indicator, Kind, UpdateStatus
from statusgen.model.sla import DeadlineKind, DeadlineState
from statusgen.model.state import Phase


def _(message: str) -> str:
    """Marks a message for the catalog; `Words` translates it when it is shown."""
    return message


class Plural(NamedTuple):
    """A message whose words agree with a number ("falta 1 h", "faltam 3 h"): its English
    singular and plural, as the catalog holds them."""

    singular: str
    plural: str


def ngettext(singular: str, plural: str) -> Plural:
    """Marks a message with plural forms for the catalog; `Words` picks the form of the number
    when it is shown."""
    return Plural(singular, plural)


# The enums whose every member has a label; templates reach them by these names too.
VOCABULARY: Final = (
    ComponentStatus,
    Indicator,
    Impact,
    Kind,
    UpdateStatus,
    Phase,
    DeadlineState,
    DeadlineKind,
)

LABELS: Final[Mapping[Enum, str]] = {
    ComponentStatus.OPERATIONAL: _("Operational"),
    ComponentStatus.UNDER_MAINTENANCE: _("Under maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: _("Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: _("Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: _("Major outage"),
    # Statuspage's sentences: the API's `status.description` is this English, and clients match it.
    Indicator.NONE: _("All Systems Operational"),
    Indicator.MAINTENANCE: _("Service Under Maintenance"),
    Indicator.MINOR: _("Partially Degraded Service"),
    Indicator.MAJOR: _("Partial System Outage"),
    Indicator.CRITICAL: _("Major System Outage"),
    Impact.NONE: _("No impact"),
    Impact.MINOR: _("Minor impact"),
    Impact.MAJOR: _("Major impact"),
    Impact.CRITICAL: _("Critical impact"),
    Kind.INCIDENT: _("Incident"),
    Kind.MAINTENANCE: _("Maintenance"),
    UpdateStatus.INVESTIGATING: _("Investigating"),
    UpdateStatus.IDENTIFIED: _("Identified"),
    UpdateStatus.MONITORING: _("Monitoring"),
    UpdateStatus.RESOLVED: _("Resolved"),
    UpdateStatus.POSTMORTEM: _("Postmortem"),
    UpdateStatus.SCHEDULED: _("Scheduled"),
    UpdateStatus.IN_PROGRESS: _("In progress"),
    UpdateStatus.VERIFYING: _("Verifying"),
    UpdateStatus.COMPLETED: _("Completed"),
    UpdateStatus.CANCELLED: _("Cancelled"),
    Phase.UPCOMING: _("Upcoming"),
    Phase.IN_PROGRESS: _("In progress"),
    Phase.OPEN: _("Open"),
    Phase.RESOLVED: _("Resolved"),
    Phase.COMPLETED: _("Completed"),
    Phase.CANCELLED: _("Cancelled"),
    DeadlineState.MET: _("met"),
    DeadlineState.BREACHED: _("breached"),
    DeadlineState.RUNNING: _("running"),
    DeadlineState.WAITING: _("waiting"),
    DeadlineKind.FIRST_RESPONSE: _("First response"),
    DeadlineKind.RESOLUTION: _("Resolution"),
}

# Longer phrases about some of the values, by the name a template asks for them with
# (`value|label("span", d=…)`). A phrase's %(name)s placeholders are filled by the caller.
LABEL: Final = "label"
FORMS: Final[Mapping[str, Mapping[Enum, str | Plural]]] = {
    LABEL: LABELS,
    # How long it lasts or lasted, `d` being the duration.
    "span": {
        Phase.UPCOMING: _("planned for %(d)s"),
        Phase.IN_PROGRESS: _("ongoing for %(d)s"),
        Phase.OPEN: _("ongoing for %(d)s"),
        Phase.RESOLVED: _("lasted %(d)s"),
        Phase.COMPLETED: _("lasted %(d)s"),
        Phase.CANCELLED: _("called off"),
    },
    # When it starts or started, as the label of that time.
    "start": {
        Phase.UPCOMING: _("Starts"),
        Phase.IN_PROGRESS: _("Started"),
        Phase.OPEN: _("Started"),
        Phase.RESOLVED: _("Started"),
        Phase.COMPLETED: _("Started"),
        Phase.CANCELLED: _("Started"),
    },
    # When it ends or ended (or is expected to), as the label of that time.
    "end": {
        Phase.UPCOMING: _("Ends"),
        Phase.IN_PROGRESS: _("Ends"),
        Phase.OPEN: _("Estimated resolution"),
        Phase.RESOLVED: _("Resolved"),
        Phase.COMPLETED: _("Ended"),
        Phase.CANCELLED: _("Cancelled"),
    },
    # A deadline that has come, as a point of the timeline.
    "deadline": {
        DeadlineKind.FIRST_RESPONSE: _("First-response deadline"),
        DeadlineKind.RESOLUTION: _("Resolution deadline"),
    },
    # What the policy promises, `target` being how long ("4 working hours", "2 calendar days").
    "promise": {
        DeadlineKind.FIRST_RESPONSE: _("We aim to respond within %(target)s."),
        DeadlineKind.RESOLUTION: _("We aim to resolve it within %(target)s."),
    },
    # A deadline not reached yet, `due` being when it falls due.
    "due": {
        DeadlineKind.FIRST_RESPONSE: _("Response target: by %(due)s"),
        DeadlineKind.RESOLUTION: _("Resolution target: by %(due)s"),
    },
    # A deadline reached, `took` being the calendar time since the incident began.
    "done": {
        DeadlineKind.FIRST_RESPONSE: _("We responded %(took)s after the incident began"),
        DeadlineKind.RESOLUTION: _("We resolved it %(took)s after the incident began"),
    },
    # The same on a target of working time, `counted` being the working time the clock counted
    # (its words agree with it: "1 h útil", "3 h úteis").
    "done_working": {
        DeadlineKind.FIRST_RESPONSE: ngettext(
            "We responded %(took)s after the incident began (%(counted)s of working time)",
            "We responded %(took)s after the incident began (%(counted)s of working time)",
        ),
        DeadlineKind.RESOLUTION: ngettext(
            "We resolved it %(took)s after the incident began (%(counted)s of working time)",
            "We resolved it %(took)s after the incident began (%(counted)s of working time)",
        ),
    },
    # A response or resolution before the clock started counts no time at all.
    "before_clock": {
        DeadlineKind.FIRST_RESPONSE: _("We responded before the clock started"),
        DeadlineKind.RESOLUTION: _("We resolved it before the clock started"),
    },
    # How a deadline stands, in a word or two: all that a site publishing a summary shows.
    "outcome": {
        DeadlineState.MET: _("on time"),
        DeadlineState.BREACHED: _("late"),
        DeadlineState.RUNNING: _("in progress"),
        DeadlineState.WAITING: _("clock not started yet"),
    },
    # How a deadline stands, with the calendar time left (`left`) or by which it was missed
    # (`late`). The time left is the subject of its verb in some languages ("faltam 3 h"): the
    # form agrees with the amount.
    "amount": {
        DeadlineState.MET: _("on time"),
        DeadlineState.RUNNING: ngettext("in progress, %(left)s left", "in progress, %(left)s left"),
        DeadlineState.WAITING: _("clock not started yet"),
        DeadlineState.BREACHED: _("%(late)s late"),
    },
    # The same on a target of working time: the working time left (`left`), or the calendar
    # time (`late`) and the working time (`over`) by which it was missed; the form agrees with
    # the working time.
    "amount_working": {
        DeadlineState.RUNNING: ngettext(
            "in progress, %(left)s of working time left",
            "in progress, %(left)s of working time left",
        ),
        DeadlineState.BREACHED: ngettext(
            "%(late)s late (%(over)s of working time)", "%(late)s late (%(over)s of working time)"
        ),
    },
    # A deadline of working time missed outside working hours only (answered after hours before
    # the next working day began): `late` is the calendar time by which it was missed.
    "amount_after_hours": {
        DeadlineState.BREACHED: _("%(late)s late (all of it outside working hours)"),
    },
    # A rule of a maintenance policy: kept or not.
    "rule": {
        DeadlineState.MET: _("kept"),
        DeadlineState.BREACHED: _("not kept"),
    },
    # The text of a transition made on schedule.
    "automatic": {
        UpdateStatus.IN_PROGRESS: _("The scheduled maintenance has started."),
        UpdateStatus.COMPLETED: _("The scheduled maintenance has ended."),
    },
}

# The shape of each value's icon; the theme's `icon` macro draws the shapes.
ICONS: Final[Mapping[Enum, str]] = {
    **dict.fromkeys(
        (
            ComponentStatus.OPERATIONAL,
            Indicator.NONE,
            Impact.NONE,
            UpdateStatus.RESOLVED,
            UpdateStatus.COMPLETED,
            DeadlineState.MET,
        ),
        "check",
    ),
    **dict.fromkeys((ComponentStatus.DEGRADED_PERFORMANCE, Indicator.MINOR, Impact.MINOR), "dash"),
    **dict.fromkeys((ComponentStatus.PARTIAL_OUTAGE, Indicator.MAJOR, Impact.MAJOR), "warning"),
    **dict.fromkeys(
        (
            ComponentStatus.MAJOR_OUTAGE,
            Indicator.CRITICAL,
            Impact.CRITICAL,
            DeadlineState.BREACHED,
        ),
        "cross",
    ),
    **dict.fromkeys(
        (
            ComponentStatus.UNDER_MAINTENANCE,
            Indicator.MAINTENANCE,
            Kind.MAINTENANCE,
            UpdateStatus.SCHEDULED,
            UpdateStatus.IN_PROGRESS,
            UpdateStatus.VERIFYING,
            DeadlineState.RUNNING,
            DeadlineState.WAITING,
        ),
        "clock",
    ),
    **dict.fromkeys(
        (
            Kind.INCIDENT,
            UpdateStatus.INVESTIGATING,
            UpdateStatus.IDENTIFIED,
            UpdateStatus.MONITORING,
            UpdateStatus.POSTMORTEM,
            UpdateStatus.CANCELLED,
        ),
        "alert",
    ),
}


def english(value: Enum) -> str:
    """The label's English source, untranslated: what the JSON API says, whatever the site's
    language, since Statuspage's clients match its words."""
    return LABELS[value]


class Words:
    """The vocabulary in the site's language: each message translated once."""

    def __init__(self, translations: gettext.NullTranslations) -> None:
        self._gettext = translations.gettext
        self._ngettext = translations.ngettext
        self._translated: dict[tuple[Enum, str, int], str] = {}

    def message(self, value: Enum, form: str = LABEL, count: int = 1) -> str:
        """The translated message, its placeholders still to fill; a message with plural forms
        in the form that agrees with `count`."""
        key = (value, form, count)
        found = self._translated.get(key)
        if found is None:
            message = FORMS[form][value]
            if isinstance(message, Plural):
                found = self._ngettext(message.singular, message.plural, count)
            else:
                found = self._gettext(message)
            self._translated[key] = found
        return found

    def label(self, value: Enum) -> str:
        """The label as plain text."""
        # Formatted, as Jinja's gettext formats every message: a translated "%%" reads "%".
        return self.message(value) % {}


WORDS: Final = "words"  # the name of the environment's Words among its globals


def words_of(env: jinja2.Environment) -> Words:
    """The vocabulary that `env`'s templates show (see filters.register_filters)."""
    words = env.globals[WORDS]
    assert isinstance(words, Words)
    return words
