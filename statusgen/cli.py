"""The statusgen command line. Only this module prints and chooses exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import __version__
from .errors import BuildFailed, StatusgenError
from .model import Kind
from .source import TIMESTAMP_FORMS, parse_timestamp

EXIT_OK = 0
EXIT_CONTENT_ERROR = 1
EXIT_USAGE = 2


def _timestamp(text: str) -> datetime:
    value = parse_timestamp(text, None)
    if value is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a timestamp ({TIMESTAMP_FORMS})")
    return value


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


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
    # The same options after the command name too (`statusgen build -q`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C", "--project", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", parents=[common], help="build the site into site/")
    build.add_argument(
        "--now",
        type=_timestamp,
        help="build as if it were this time (offset optional; default: the clock); "
        "the same content and --now give the same bytes",
    )
    build.add_argument("--out", type=Path, help="output folder (default: site/ in the project)")

    commands.add_parser(
        "check", parents=[common], help="validate all content and configuration; write nothing"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = make_parser().parse_args(argv)
    project: Path = args.project
    from . import build as pipeline  # the heavy imports wait until a command needs them

    try:
        if args.command == "check":
            site = pipeline.check(project)
            if not args.quiet and site.sla.enabled:
                for incident in site.incidents:
                    if incident.kind is Kind.INCIDENT and incident.started is None:
                        print(
                            f"{incident.path}:2: hint: no 'started'; the SLA clock starts at the "
                            "first update, so the first response counts as met at once"
                        )
            if not args.quiet:
                print(
                    f"ok: {_count(len(site.incidents), 'incident')}, {_count(len(site.components), 'component')}"
                )
        else:
            out = args.out or project / "site"
            report = pipeline.build(project, out, now=args.now)
            if not args.quiet:
                print(
                    f"built {report.files} files into {out} (as of {report.snapshot.now.isoformat()})"
                )
    except BuildFailed as failed:
        for error in failed.errors:
            print(error, file=sys.stderr)
        kept = "; the previous site was left as it was" if args.command == "build" else ""
        print(f"statusgen: {failed}{kept}", file=sys.stderr)
        return EXIT_CONTENT_ERROR
    except StatusgenError as error:
        print(f"statusgen: {error}", file=sys.stderr)
        return EXIT_CONTENT_ERROR
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"statusgen: {error.strerror or error}{where}", file=sys.stderr)
        return EXIT_CONTENT_ERROR
    return EXIT_OK
