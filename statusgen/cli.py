"""The statusgen command line. Only this module prints and chooses exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import __version__
from .errors import BuildFailed, StatusgenError
from .source import TIMESTAMP_FORMS, parse_timestamp

EXIT_OK = 0
EXIT_CONTENT_ERROR = 1
EXIT_USAGE = 2


def _timestamp(text: str) -> datetime:
    value = parse_timestamp(text, None)
    if value is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a timestamp ({TIMESTAMP_FORMS})")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statusgen",
        description="Build a static status page from incidents/ and components.yaml.",
        epilog="Exit codes: 0 success, 1 content or build error, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"statusgen {__version__}")
    parser.add_argument(
        "-C",
        "--project",
        type=Path,
        default=Path("."),
        help="the site's folder (default: the current one)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into site/")
    build.add_argument(
        "--now",
        type=_timestamp,
        help="build as if it were this time (offset optional; default: the clock); "
        "the same content and --now give the same bytes",
    )
    build.add_argument("--out", type=Path, help="output folder (default: site/ in the project)")

    commands.add_parser("check", help="validate all content and configuration; write nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = make_parser().parse_args(argv)
    project: Path = args.project
    from . import build as pipeline  # the heavy imports wait until a command needs them

    try:
        if args.command == "check":
            pipeline.check(project)
            if not args.quiet:
                pass
        else:
            out = args.out or project / "site"
            pipeline.build(project, out, now=args.now)
            if not args.quiet:
                pass
    except BuildFailed as failed:
        for _error in failed.errors:
            pass
        return EXIT_CONTENT_ERROR
    except StatusgenError:
        return EXIT_CONTENT_ERROR
    except OSError:
        return EXIT_CONTENT_ERROR
    return EXIT_OK
