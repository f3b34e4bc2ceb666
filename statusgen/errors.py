"""The errors statusgen raises; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class StatusgenError(Exception):
    """Base class of every error meant for a statusgen user."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A place in a content file: the path relative to the project, and a 1-based line (0 for
    the file or folder as a whole)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class SourceError(StatusgenError):
    """One mistake in a content or configuration file."""

    def __init__(self, where: SourceRef, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message

    def __reduce__(self) -> tuple[type, tuple[SourceRef, str]]:
        return type(self), (self.where, self.message)


class BuildFailed(StatusgenError):
    """Every content error found in one run; the build wrote nothing."""

    def __init__(self, errors: Sequence[SourceError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.where.path, e.where.line, e.message))
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} found")

    def __reduce__(self) -> tuple[type, tuple[list[SourceError]]]:
        # Raised in a worker process, it is sent to the parent pickled.
        return type(self), (self.errors,)


class TemplateFailed(StatusgenError):
    """A template of the site (or a translation) could not be rendered; `file` and `line` say
    where, when that is known (`file` as Jinja names it: a path, for the site's templates)."""

    def __init__(self, message: str, file: str | None = None, line: int = 0) -> None:
        super().__init__(message)
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple[type, tuple[str, str | None, int]]:
        return type(self), (str(self), self.file, self.line)


class OutputError(StatusgenError):
    """The site could not be written (for example two pages claim the same path)."""


class WorkerFailed(StatusgenError):
    """An unexpected error in a worker process that could not be sent back as itself."""

    def __init__(self, traceback: str) -> None:
        super().__init__(f"a worker process failed:\n{traceback.rstrip()}")
        self.traceback = traceback

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return type(self), (self.traceback,)


class AuthoringError(StatusgenError):
    """A request the content cannot satisfy (unknown id, status or component)."""
