"""The statusgen command line: it chooses the exit codes, and prints what the commands report
(the preview prints its own progress)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from statusgen import __version__
from statusgen.errors import BuildFailed, SourceError, StatusgenError, TemplateFailed, WorkerFailed
from statusgen.load.nodes import read_timestamp
from statusgen.model.calendars import Calendar
from statusgen.model.content import Kind, Site

EXIT_OK = 0
EXIT_CONTENT_ERROR = 1
EXIT_USAGE = 2
EXIT_BUG = 70  # EX_SOFTWARE of sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_PIPE = 141  # 128 + SIGPIPE, as for a command whose reader closed the pipe
INTERRUPTED = "statusgen: interrupted"
REPORT_A_BUG = (
    f"statusgen {__version__}: this is a bug in statusgen, not in your content; "
    "please report it with the traceback above and the command you ran"
)


def _timestamp(text: str) -> datetime:
    try:
        return read_timestamp(text, None)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (a number from 0 to 65535)")
    return int(text)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _coloured(stream: TextIO, text: str, code: str) -> str:
    """`text` in an ANSI colour, only on a terminal and unless NO_COLOR is set."""
    if os.environ.get("NO_COLOR") or not stream.isatty():
        return text
    return f"\033[{code}m{text}\033[0m"


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_path(project: Path, path: str) -> str:
    """The file as GitHub names it: relative to the working directory (the repository root)."""
    return Path(os.path.relpath(project / path)).as_posix()


def _report_errors(errors: Sequence[SourceError], project: Path, fmt: str) -> None:
    for error in errors:
        if fmt == "github":
            line = f",line={error.where.line}" if error.where.line else ""
            print(
                f"::error file={_github_path(project, error.where.path)}{line}"
                f"::{_github_escape(error.message)}"
            )
        else:
            print(
                f"{_coloured(sys.stderr, str(error.where), '31;1')}: {error.message}",
                file=sys.stderr,
            )


def _sla_hints(site: Site) -> list[tuple[str, int, str]]:
    # A site that publishes none has no deadline worked out (derive.sla): no clock to start.
    if not site.sla.published:
        return []
    return [
        (
            incident.path,
            2,
            "no 'started'; the SLA clock starts at the first update, so the first response "
            "counts as met at once",
        )
        for incident in site.incidents
        if incident.kind is Kind.INCIDENT and incident.started is None
    ]


_GENERIC_NAME = "by a generic name, '{}' in the site's language"


def _label_warnings(site: Site) -> list[tuple[str, int, str]]:
    """A policy or calendar without a label, on pages in another language than English: what
    customers read is then the id of the configuration, or a generic name."""
    from statusgen.load.config import CONFIG_FILE
    from statusgen.render.i18n import SOURCE_LANGUAGE

    language = site.info.language
    if language.replace("_", "-").split("-")[0].lower() == SOURCE_LANGUAGE:
        return []
    warnings = []
    for named in site.sla.named_without_label:
        if isinstance(named, Calendar):
            what, shown = f"calendar '{named.name}'", _GENERIC_NAME.format("working hours")
        elif named.own_title is None:
            what, shown = f"policy '{named.name}'", _GENERIC_NAME.format("Default")
        else:
            what, shown = f"policy '{named.name}'", f"'{named.own_title}', its tier as words"
        warnings.append(
            (
                CONFIG_FILE,
                named.line,
                f"{what} has no 'label', so pages call it {shown}; give it a label in the "
                f"site's language ({language})",
            )
        )
    return warnings


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="statusgen",
        description="Build a static status page from incidents/ and components.yaml.",
        epilog="Exit codes: 0 success, 1 content or build error, 2 usage error, 70 a bug in "
        "statusgen (please report it), 130 interrupted (Ctrl-C), 141 output pipe closed.",
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
    build.add_argument(
        "--out",
        type=Path,
        help="output folder (default: site/ in the project); replaced whole, so it must be "
        "absent, empty or a site statusgen wrote",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="replace --out even if it is not a statusgen site (never the project or its content)",
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not update .statusgen-cache/ (the output is the same)",
    )

    check = commands.add_parser(
        "check",
        parents=[common],
        help="validate all content and configuration; write nothing",
        description="Validate all content and configuration and print every error as "
        "path:line: message. Writes nothing. Exit 1 if there is any error.",
    )
    check.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="github: print errors as GitHub Actions annotations on the file and line",
    )

    new = commands.add_parser(
        "new", parents=[common], help="declare an incident or a maintenance (prints the new file)"
    )
    kinds = new.add_subparsers(dest="kind", required=True, metavar="KIND")
    incident = kinds.add_parser(
        "incident",
        parents=[common],
        help="open an incident with a first 'Investigating' update",
        description="Write incidents/<year>/<date>-<title>.md with its front matter and a first "
        "'Investigating' update at the current time, and print its path.",
    )
    incident.add_argument("title")
    incident.add_argument("--impact", required=True, help="none, minor, major or critical")
    incident.add_argument(
        "--component",
        "-c",
        action="append",
        default=[],
        metavar="ID[=STATUS]",
        help="an affected component, optionally with its status "
        "(degraded_performance, partial_outage, major_outage); repeatable",
    )
    incident.add_argument("--eta", type=_timestamp, help="estimated resolution")
    incident.add_argument(
        "--message",
        "-m",
        help="the first update (default: 'We are investigating this issue.', in the site's "
        "language)",
    )
    incident.add_argument("--at", type=_timestamp, help="when (default: now)")
    maintenance = kinds.add_parser(
        "maintenance",
        parents=[common],
        help="schedule a maintenance with a first 'Scheduled' update",
        description="Write a maintenance file with its window and a first 'Scheduled' update "
        "(the announcement) at the current time, and print its path.",
    )
    maintenance.add_argument("title")
    maintenance.add_argument("--start", type=_timestamp, required=True, help="window start")
    maintenance.add_argument("--end", type=_timestamp, required=True, help="window end")
    maintenance.add_argument(
        "--component", "-c", action="append", default=[], metavar="ID", help="repeatable"
    )
    maintenance.add_argument(
        "--message",
        "-m",
        help="the announcement (default: 'Maintenance is scheduled for this window.', in the "
        "site's language)",
    )
    maintenance.add_argument("--at", type=_timestamp, help="announced when (default: now)")

    update = commands.add_parser(
        "update",
        parents=[common],
        help="post an update to an incident or maintenance",
        description="Insert '## <Status> <time>' and the message into the file of ID; every "
        "other byte of the file stays as it was.",
    )
    update.add_argument("id", help="the incident's file name without .md")
    update.add_argument(
        "status",
        help="investigating, identified, monitoring, resolved, postmortem; for maintenance "
        "scheduled, in_progress, verifying, completed, cancelled",
    )
    update.add_argument("message")
    update.add_argument("--eta", type=_timestamp, help="a new estimated resolution")
    update.add_argument("--at", type=_timestamp, help="when (default: now)")

    resolve = commands.add_parser(
        "resolve",
        parents=[common],
        help="post the closing update (resolved, or completed for a maintenance)",
    )
    resolve.add_argument("id")
    resolve.add_argument(
        "message",
        nargs="?",
        help="default: 'This incident has been resolved.' ('The maintenance has been "
        "completed.' for a maintenance), in the site's language",
    )
    resolve.add_argument("--at", type=_timestamp, help="when (default: now)")

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="preview on 127.0.0.1, rebuilding on every change",
        description="Build the site, serve it on 127.0.0.1 and rebuild whenever incidents/, "
        "components.yaml, templates/ or locale/ change; open pages reload by themselves. "
        "On a content error the last good site stays up and the error is shown in the "
        "terminal and on the page. Stop with Ctrl-C.",
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="0-65535; default 8000; 0 picks a free one"
    )
    serve.add_argument(
        "--out",
        type=Path,
        help="where to build (default: a temporary folder); absent, empty or a statusgen site",
    )
    return parser


def run() -> NoReturn:
    """The `statusgen` command: main(), then leave at once.

    Every file is closed by then; tearing down the interpreter would only free, one by one, the
    millions of objects a large site is made of (half a second at 10,000 incidents)."""
    try:
        code = main()
        sys.stdout.flush()  # where a closed pipe shows, when the output was short
    except KeyboardInterrupt:  # before main() was ready for it, or once it was done
        print(INTERRUPTED, file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        code = EXIT_PIPE
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = make_parser().parse_args(argv)
    project: Path = args.project
    fmt = getattr(args, "format", "text")
    try:
        return _COMMANDS.get(args.command, _author)(args, project)
    except BuildFailed as failed:
        _report_errors(failed.errors, project, fmt)
        kept = "; the previous site was left as it was" if args.command == "build" else ""
        if args.command in ("new", "update", "resolve"):
            kept = "; nothing was written"
        print(f"statusgen: {failed}{kept}", file=sys.stderr)
        return EXIT_CONTENT_ERROR
    except WorkerFailed as failed:  # a bug, in a worker process
        print(failed.traceback.rstrip(), file=sys.stderr)
        print(REPORT_A_BUG, file=sys.stderr)
        return EXIT_BUG
    except StatusgenError as error:
        print(f"statusgen: {error}", file=sys.stderr)
        if fmt == "github" and isinstance(error, TemplateFailed) and error.file:
            at_line = f",line={error.line}" if error.line else ""
            # Jinja names the file as its loader found it: from the current folder.
            path = Path(os.path.relpath(error.file)).as_posix()
            print(f"::error file={path}{at_line}::{_github_escape(str(error))}")
        return EXIT_CONTENT_ERROR
    except BrokenPipeError:  # the reader of the output left (`statusgen check | head -1`)
        # Python writes what is left on exit: let that go nowhere rather than fail again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"statusgen: {error.strerror or error}{where}", file=sys.stderr)
        return EXIT_CONTENT_ERROR
    except KeyboardInterrupt:  # Ctrl-C: the workers leave quietly, the previous site stays
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # a bug: its traceback helps whoever fixes it
        traceback.print_exc()
        print(REPORT_A_BUG, file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK


def _check(args: argparse.Namespace, project: Path) -> int:
    from statusgen import build as pipeline  # the heavy imports wait until a command needs them

    checked = pipeline.check(project)
    _warn(checked.warnings)
    site = checked.site
    for path, line, warning in _label_warnings(site):
        if args.format == "github":
            print(f"::warning file={_github_path(project, path)},line={line}::{warning}")
        else:
            print(f"{path}:{line}: warning: {warning}", file=sys.stderr)
    for path, line, hint in [] if args.quiet else _sla_hints(site):
        if args.format == "github":
            print(f"::notice file={_github_path(project, path)},line={line}::{hint}")
        else:
            print(f"{path}:{line}: hint: {hint}")
    if not args.quiet:
        incidents, components = len(site.incidents), len(site.components)
        print(f"ok: {_count(incidents, 'incident')}, {_count(components, 'component')}")
    return EXIT_OK


def _build(args: argparse.Namespace, project: Path) -> int:
    from statusgen import build as pipeline

    out = args.out or project / "site"
    report = pipeline.build(
        project, out, now=args.now, use_cache=not args.no_cache, force=args.force
    )
    _warn(report.warnings)
    if not args.quiet:
        print(f"built {report.files} files into {out} (as of {report.snapshot.now.isoformat()})")
    return EXIT_OK


def _serve(args: argparse.Namespace, project: Path) -> int:
    from statusgen.serve import serve

    return serve(project, args.out, args.port, quiet=args.quiet)


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"statusgen: warning: {warning}", file=sys.stderr)


_COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "check": _check,
    "build": _build,
    "serve": _serve,
}


def _author(args: argparse.Namespace, project: Path) -> int:
    from statusgen import authoring

    at = args.at or datetime.now(tz=UTC)
    if args.command == "new" and args.kind == "incident":
        written = authoring.new_incident(
            project, args.title, args.impact, args.component, args.message, at, args.eta
        )
    elif args.command == "new":
        written = authoring.new_maintenance(
            project, args.title, args.start, args.end, args.component, args.message, at
        )
    elif args.command == "update":
        written = authoring.add_update(project, args.id, args.status, args.message, at, args.eta)
    else:
        written = authoring.add_update(project, args.id, None, args.message, at)
    print(Path(os.path.relpath(project / written.path)).as_posix())
    if not args.quiet and args.command != "new":
        print(f"updated {written.incident_id}; preview with 'statusgen serve'", file=sys.stderr)
    return EXIT_OK
