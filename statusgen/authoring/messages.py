"""The messages the commands post when given none, in the site's language."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from statusgen.model.content import Site, UpdateStatus
from statusgen.render.i18n import load_translations
from statusgen.render.i18n import marked as _

DEFAULT_MESSAGES: Final = {
    UpdateStatus.INVESTIGATING: _("We are investigating this issue."),
    UpdateStatus.SCHEDULED: _("Maintenance is scheduled for this window."),
    UpdateStatus.RESOLVED: _("This incident has been resolved."),
    UpdateStatus.COMPLETED: _("The maintenance has been completed."),
}


def default_message(project: Path, site: Site, status: UpdateStatus) -> str:
    """What an update of `status` says when the engineer gave no message."""
    return load_translations(project, site.info.language).gettext(DEFAULT_MESSAGES[status])
