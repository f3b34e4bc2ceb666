"""One file of the site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the site: a relative POSIX path and its bytes, or how to make them.

    With a `key` (a digest of everything the file shows), the writer may take the file from the
    previous build instead of calling `render`."""

    path: str
    data: bytes | None = None
    key: str | None = None
    render: Callable[[], bytes] | None = None

    def bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.render is not None, self.path
        return self.render()
