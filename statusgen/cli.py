"""The statusgen command line: it chooses the exit codes, and prints what the commands report
(the preview prints its own progress)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from statusgen import __version__
from statusgen.completion import SHELLS
from statusgen.errors import BuildFailed, SourceError, StatusgenError, TemplateFailed, WorkerFailed
from statusgen.load.nodes import read_timestamp
from statusgen.model.calendars import Calendar
from statusgen.model.content import Impact, Kind, Site, UpdateStatus
from statusgen.model.sla import Plan

if TYPE_CHECKING:
    from statusgen.authoring.when import When
    from statusgen.build import Report

EXIT_OK = 0
EXIT_CONTENT_ERROR = 1
EXIT_USAGE = 2
EXIT_BUG = 70  # EX_SOFTWARE of sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_PIPE = 141  # 128 + SIGPIPE, as for a command whose reader closed the pipe
INTERRUPTED = "statusgen: interrupted"
SCHEMAS = ("components", "incident")
DEFAULT_RECORD = ".statusgen-notify/record.json"  # statusgen/schemas/<name>.schema.json
REPORT_A_BUG = (
    f"statusgen {__version__}: this is a bug in statusgen, not in your content; "
    "please report it with the traceback above and the command you ran"
)


def _timestamp(text: str) -> datetime:
    try:
        return read_timestamp(text, None)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


_TIME_OPTIONS = ("--at", "--eta", "--start", "--end")


def _relative_times_attached(argv: Sequence[str]) -> list[str]:
    """`--at -10m` as `--at=-10m`: argparse would read a value starting with a dash as an
    option of its own."""
    result: list[str] = []
    for index, arg in enumerate(argv):
        previous = argv[index - 1] if index else ""
        if previous in _TIME_OPTIONS and arg.startswith("-") and _is_relative(arg):
            result[-1] = f"{previous}={arg}"
        else:
            result.append(arg)
    return result


def _is_relative(text: str) -> bool:
    # The on-call commands' own: imported when they run, not on every build's start.
    from statusgen.authoring.when import is_relative

    return is_relative(text)


def _when(text: str) -> When:
    from statusgen.authoring.when import read_when

    try:
        return read_when(text)
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
    """A plan, policy or calendar without a label, on pages in another language than English: what
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
        elif isinstance(named, Plan):
            what, shown = f"plan '{named.id}'", f"'{named.title}', its id as words"
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


_WHEN_HELP = "2026-11-22 14:00, 14:00 for today, or +2h / -10m from now; in the site's zone"
_ID_HELP = "the incident's id (see 'statusgen list') or its file, as 'new' printed it"


def _message_arguments(command: argparse.ArgumentParser, help: str) -> None:
    """The message, as `new` takes it (-m) or after the other arguments."""
    command.add_argument("message", nargs="?", help=help)
    command.add_argument("-m", "--message", dest="message_option", metavar="MESSAGE", help=help)


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
    check.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 1) on warnings too: an incident without an SLA, a tier without "
        "policies, a policy without a target, a label missing",
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
    incident.add_argument("--eta", type=_when, help=f"estimated resolution ({_WHEN_HELP})")
    incident.add_argument(
        "--message",
        "-m",
        help="the first update (default: 'We are investigating this issue.', in the site's "
        "language)",
    )
    incident.add_argument("--at", type=_when, help="when it began (default: now)")
    maintenance = kinds.add_parser(
        "maintenance",
        parents=[common],
        help="schedule a maintenance with a first 'Scheduled' update",
        description="Write a maintenance file with its window and a first 'Scheduled' update "
        "(the announcement) at the current time, and print its path.",
    )
    maintenance.add_argument("title")
    maintenance.add_argument(
        "--start", type=_when, required=True, help=f"window start ({_WHEN_HELP})"
    )
    maintenance.add_argument("--end", type=_when, required=True, help="window end")
    maintenance.add_argument(
        "--component", "-c", action="append", default=[], metavar="ID", help="repeatable"
    )
    maintenance.add_argument(
        "--message",
        "-m",
        help="the announcement (default: 'Maintenance is scheduled for this window.', in the "
        "site's language)",
    )
    maintenance.add_argument("--at", type=_when, help="announced when (default: now)")

    update = commands.add_parser(
        "update",
        parents=[common],
        help="post an update to an incident or maintenance",
        description="Insert '## <Status> <time>' and the message into the file of ID; every "
        "other byte of the file stays as it was.",
    )
    update.add_argument("id", help=_ID_HELP)
    update.add_argument(
        "status",
        help="investigating, identified, monitoring, resolved, postmortem; for maintenance "
        "scheduled, in_progress, verifying, completed, cancelled",
    )
    _message_arguments(update, "what customers should read")
    update.add_argument("--eta", type=_when, help=f"a new estimated resolution ({_WHEN_HELP})")
    update.add_argument("--at", type=_when, help="when (default: now)")

    resolve = commands.add_parser(
        "resolve",
        parents=[common],
        help="post the closing update (resolved, or completed for a maintenance)",
    )
    resolve.add_argument("id", help=_ID_HELP)
    _message_arguments(
        resolve,
        "default: 'This incident has been resolved.' ('The maintenance has been "
        "completed.' for a maintenance), in the site's language",
    )
    resolve.add_argument("--at", type=_when, help="when (default: now)")

    listing = commands.add_parser(
        "list",
        parents=[common],
        help="the open incidents and the maintenance under way or to come, with their ids",
        description="Print the open incidents, then the maintenance under way and to come: "
        "id, status, time since it began (or until it starts), the estimated resolution (a "
        "maintenance's scheduled end) in the site's time zone, and the title. With -q, only the "
        "ids, one per line.",
    )
    listing.add_argument(
        "--all", action="store_true", help="every incident and maintenance, newest first"
    )
    listing.add_argument(
        "--json", action="store_true", help="a JSON array, times in UTC (for scripts)"
    )
    listing.add_argument("--now", type=_timestamp, help="as if it were this time (default: now)")

    init = commands.add_parser(
        "init",
        parents=[common],
        help="start a status page: components.yaml, an example incident, workflows",
        description="Write a ready status repository into DIR (default: the project folder): "
        "a commented components.yaml, an example incident, .gitignore, a pre-commit "
        "configuration, GitHub workflows that check pull requests and publish on GitHub Pages, "
        "and a README. A file already there is never replaced. Without options, on a terminal, "
        "it asks for each answer.",
    )
    init.add_argument("dir", nargs="?", type=Path, help="the folder (made if missing)")
    init.add_argument("--title", help="the page's title (default: 'Example Status')")
    init.add_argument(
        "--url", help="the address it will be published at, ending with / (default: an example)"
    )
    init.add_argument("--timezone", help="an IANA time zone, e.g. America/Sao_Paulo (default: UTC)")
    init.add_argument("--language", help="en, pt-BR or es (default: en)")

    completion = commands.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        description="Print a script that completes statusgen's commands, options, statuses and "
        "the ids of open incidents in your shell. bash: 'source <(statusgen completion bash)' "
        "in ~/.bashrc; zsh: 'source <(statusgen completion zsh)' in ~/.zshrc; fish: "
        "'statusgen completion fish > ~/.config/fish/completions/statusgen.fish'.",
    )
    completion.add_argument("shell", choices=SHELLS)

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
        "--now",
        type=_timestamp,
        help="show the site as of this time, on every rebuild (default: the clock at each one)",
    )
    serve.add_argument(
        "--out",
        type=Path,
        help="where to build (default: a temporary folder); absent, empty or a statusgen site",
    )

    notify = commands.add_parser(
        "notify",
        parents=[common],
        help="tell the channels in components.yaml of every update not yet delivered",
        description="Deliver each update (incident opened, updated, resolved; maintenance "
        "scheduled, started, completed, ...) posted within the horizon and not yet delivered "
        "to every channel configured under 'notifications:' in components.yaml, oldest first, "
        "recording each delivery in the delivery record as it is made. Webhook addresses are "
        "read from the environment variables the channels name. Exit 1 if anything could not "
        "be delivered (it is left for the next run).",
    )
    notify.add_argument(
        "--now",
        type=_timestamp,
        help="as if it were this time (offset optional; default: the clock): pass the time "
        "the published site was built at",
    )
    notify.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be sent, and to which channel, without sending anything or "
        "touching the record",
    )
    notify.add_argument(
        "--record",
        type=Path,
        help=f"the delivery record (default: {DEFAULT_RECORD} in the project); keep it "
        "between runs: the publish workflow keeps it on a branch of its own",
    )

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of components.yaml or of an incident's front matter",
        description="Print the JSON Schema (draft 2020-12) of components.yaml or of the front\n"
        "matter of incident and maintenance files: editors and validators use it to\n"
        "complete keys and check values as you type. Needs no project.",
        epilog="For example, save it beside components.yaml:\n"
        "  statusgen schema components > components.schema.json\n"
        "and make this the first line of components.yaml:\n"
        "  # yaml-language-server: $schema=components.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "file",
        choices=SCHEMAS,
        help="components: components.yaml; incident: the front matter of incidents/**/*.md",
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
    args = make_parser().parse_args(
        _relative_times_attached(sys.argv[1:] if argv is None else argv)
    )
    project: Path = args.project
    fmt = getattr(args, "format", "text")
    try:
        return _COMMANDS.get(args.command, _author)(args, project)
    except UsageError as error:
        print(f"statusgen {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
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


def _content_warnings(report: Report) -> list[tuple[str, int, str]]:
    """What the content leaves undefined or unclear, by file and line: policies and calendars
    without labels, and the SLA's gaps."""
    from statusgen.derive.sla_gaps import find_gaps
    from statusgen.load.config import CONFIG_FILE

    gaps = [
        (gap.incident.path if gap.incident else CONFIG_FILE, gap.line, gap.message)
        for gap in find_gaps(report.site, report.snapshot, report.sla_annotations)
    ]
    configuration = [(path, line, text) for path, line, text in gaps if path == CONFIG_FILE]
    labels = _label_warnings(report.site)
    return [
        *sorted([*labels, *configuration], key=lambda warning: warning[1]),
        *(warning for warning in gaps if warning[0] != CONFIG_FILE),
    ]


def _print_warnings(
    warnings: Sequence[tuple[str, int, str]], project: Path, fmt: str, *, strict: bool = False
) -> None:
    """Each as `path:line: warning: …` (an error's form, under --strict), or as a GitHub
    annotation."""
    for path, line, warning in warnings:
        if fmt == "github":
            kind = "error" if strict else "warning"
            print(f"::{kind} file={_github_path(project, path)},line={line}::{warning}")
        elif strict:
            print(f"{_coloured(sys.stderr, f'{path}:{line}', '31;1')}: {warning}", file=sys.stderr)
        else:
            print(f"{path}:{line}: warning: {warning}", file=sys.stderr)


def _check(args: argparse.Namespace, project: Path) -> int:
    from statusgen import build as pipeline  # the heavy imports wait until a command needs them

    checked = pipeline.check(project)
    _warn(checked.warnings)
    site = checked.site
    warnings = _content_warnings(checked)
    _print_warnings(warnings, project, args.format, strict=args.strict)
    if args.strict and warnings:
        print(
            f"statusgen: {_count(len(warnings), 'warning')}, errors under --strict",
            file=sys.stderr,
        )
        return EXIT_CONTENT_ERROR
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
    _print_warnings(_content_warnings(report), project, "text")
    if not args.quiet:
        # To the second in the site's zone, as the pages read: the clock's microseconds and
        # UTC would say nothing a reader of the pages can match.
        now = report.snapshot.now.astimezone(report.site.info.timezone)
        print(f"built {report.files} files into {out} (as of {now.isoformat(timespec='seconds')})")
    return EXIT_OK


def _list(args: argparse.Namespace, project: Path) -> int:
    from statusgen.authoring.open_items import open_items

    listing = open_items(project, args.now, everything=args.all)
    if args.quiet and not args.json:  # for scripts and shell completion: the ids alone
        for item in listing.items:
            print(item.state.id)
        return EXIT_OK
    if args.json:
        print(json.dumps([item.as_json() for item in listing.items], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not listing.items:
        if not args.quiet:
            what = "no incidents or maintenance yet" if args.all else "nothing open"
            local = listing.now.astimezone(listing.zone)
            print(f"{what} (as of {local:%Y-%m-%d %H:%M} {listing.zone.key})", file=sys.stderr)
        return EXIT_OK
    rows = [("ID", "STATUS", "SINCE", "DUE", "TITLE")]
    for item in listing.items:
        state = item.state
        title = (
            f"{state.incident.title} (maintenance)"
            if state.is_maintenance
            else state.incident.title
        )
        due = f"{item.due.astimezone(item.zone):%Y-%m-%d %H:%M}" if item.due else "-"
        rows.append((state.id, state.status.value, _age(item.age), due, title))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]
        )
    return EXIT_OK


def _age(age: timedelta) -> str:
    """ "2h 05m", "3d 4h"; "in 2d 1h" for what is still to come."""
    minutes = int(abs(age).total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    text = f"{days}d {hours}h" if days else f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    return f"in {text}" if age < timedelta() else text


def _init(args: argparse.Namespace, project: Path) -> int:
    from statusgen import starter

    given = {
        key: getattr(args, key)
        for key in ("title", "url", "timezone", "language")
        if getattr(args, key) is not None
    }
    defaults = starter.Answers(**{**asdict(starter.DEFAULTS), **given})
    if not given and sys.stdin.isatty():
        try:
            defaults = starter.ask(replace(defaults, timezone=starter.local_zone()), input)
        except EOFError:  # Ctrl-D: no answer
            print(file=sys.stderr)
            raise UsageError("no answer given (end of input); nothing was written") from None
    defaults = replace(defaults, language=starter.shipped_language(defaults.language))
    problems = starter.check_answers(defaults)
    if problems:
        raise UsageError("; ".join(problems))
    folder = args.dir if args.dir is not None else project
    written = starter.write_starter(folder, defaults, datetime.now(tz=UTC))
    shown = Path(os.path.relpath(folder)).as_posix()
    for rel in written.made:
        print(f"wrote {Path(shown, rel).as_posix()}")
    for rel in written.kept:
        print(f"kept {Path(shown, rel).as_posix()} (already there)", file=sys.stderr)
    if written.gitignore_extended:
        print(f"added the build folders to {Path(shown, '.gitignore').as_posix()}")
    if not args.quiet:
        where = "" if shown == "." else f" -C {shlex.quote(shown)}"
        print(
            f"\nNext: edit components.yaml, then\n  statusgen{where} serve     # preview it\n"
            f"  statusgen{where} build     # the site, in site/\n"
            "and push to GitHub: the README written beside it says how to publish.",
        )
    return EXIT_OK


def _completion(args: argparse.Namespace, project: Path) -> int:
    from statusgen.completion import IDS, script

    statuses = " ".join(status.value for status in UpdateStatus)
    impacts = " ".join(impact.value for impact in Impact)
    words = {"id": IDS, "status": statuses, "impact": impacts}
    print(script(args.shell, make_parser(), words), end="")
    return EXIT_OK


def _serve(args: argparse.Namespace, project: Path) -> int:
    from statusgen.serve import serve

    return serve(project, args.out, args.port, quiet=args.quiet, now=args.now)


def _schema(args: argparse.Namespace, project: Path) -> int:
    """The schema as shipped, byte for byte: its key order is the file's."""
    text = (
        resources.files("statusgen")
        .joinpath(f"schemas/{args.file}.schema.json")
        .read_text(encoding="utf-8")
    )
    sys.stdout.write(text)
    return EXIT_OK


def _notify(args: argparse.Namespace, project: Path) -> int:
    from statusgen.build import moment
    from statusgen.engine import load_site
    from statusgen.notify.run import notify, secrets_of

    site = load_site(project)
    if not site.notifications.enabled:
        print(
            "statusgen notify: no channels configured, nothing to do (add 'notifications:' "
            "to components.yaml to tell Slack, Teams, Discord or a webhook of each update)",
            file=sys.stderr,
        )
        return EXIT_OK
    environ = dict(os.environ)
    hidden = secrets_of(site, environ)

    def shown(text: str) -> str:  # the addresses are secrets: never printed, whatever happens
        for secret in hidden:
            text = text.replace(secret, "***")
        return text

    def say(text: str) -> None:
        if not args.quiet:
            print(shown(text))

    def warn(text: str) -> None:
        print(f"statusgen notify: {shown(text)}", file=sys.stderr)

    summary = notify(
        project,
        site,
        moment(args.now, site),
        args.record or project / DEFAULT_RECORD,
        environ=environ,
        dry_run=args.dry_run,
        say=say,
        warn=warn,
    )
    line = shown(summary.line(args.dry_run))
    print(line, file=sys.stderr if summary.failed else sys.stdout)
    return EXIT_CONTENT_ERROR if summary.failed else EXIT_OK


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"statusgen: warning: {warning}", file=sys.stderr)


_COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "check": _check,
    "build": _build,
    "serve": _serve,
    "list": _list,
    "completion": _completion,
    "init": _init,
    "schema": _schema,
    "notify": _notify,
}


def _author(args: argparse.Namespace, project: Path) -> int:
    from statusgen import authoring

    now = datetime.now(tz=UTC)
    if args.command == "new" and args.kind == "incident":
        written = authoring.new_incident(
            project, args.title, args.impact, args.component, args.message, args.at, args.eta,
            now=now,
        )  # fmt: skip
    elif args.command == "new":
        written = authoring.new_maintenance(
            project, args.title, args.start, args.end, args.component, args.message, args.at,
            now=now,
        )  # fmt: skip
    else:
        message = _message(args)
        status = args.status if args.command == "update" else None
        eta = getattr(args, "eta", None)
        written = authoring.add_update(project, args.id, status, message, args.at, eta, now=now)
    print(Path(os.path.relpath(project / written.path)).as_posix())
    _warn(written.warnings)
    if not args.quiet and args.command != "new":
        print(f"updated {written.incident_id}; preview with 'statusgen serve'", file=sys.stderr)
    return EXIT_OK


def _message(args: argparse.Namespace) -> str | None:
    """The message of `update` or `resolve`, given after the arguments or with -m, not both."""
    if args.message is not None and args.message_option is not None:
        raise UsageError("give the message once: after the status, or with -m, not both")
    message: str | None = args.message if args.message is not None else args.message_option
    return message


class UsageError(Exception):
    """Arguments that parse one by one but not together: exit code 2, as argparse's own."""
