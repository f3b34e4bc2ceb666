"""Where the incident files are."""

from __future__ import annotations

import os
from pathlib import Path

from statusgen.errors import SourceError, SourceRef

INCIDENTS_DIR = "incidents"


def incident_files(project: Path, errors: list[SourceError] | None = None) -> list[str]:
    """Every incident file as a POSIX path relative to the project, in a stable order; a folder
    that cannot be read is added to `errors`, when given (its incidents would be missed).

    Hidden files and folders are skipped, and links to folders are not followed. The walk keeps
    its own stack: folders nested a thousand deep would exhaust a recursive one."""
    found: list[str] = []
    pending = [INCIDENTS_DIR]
    while pending:
        prefix = pending.pop()
        try:
            with os.scandir(project / prefix) as entries:
                listed = [(entry.name, entry.is_dir(), entry.is_symlink()) for entry in entries]
        except FileNotFoundError:  # a missing incidents/ is reported by the loader
            continue
        except OSError as error:
            if errors is not None:
                errors.append(
                    SourceError(
                        SourceRef(f"{prefix}/", 0), f"folder cannot be read ({error.strerror})"
                    )
                )
            continue
        for name, is_dir, is_link in listed:
            if name.startswith("."):
                continue
            if is_dir:
                if not is_link:
                    pending.append(f"{prefix}/{name}")
            elif name.endswith(".md"):
                found.append(f"{prefix}/{name}")
    # Sorted by parts, so that a folder's files stay together.
    found.sort(key=lambda p: p.split("/"))
    return found
