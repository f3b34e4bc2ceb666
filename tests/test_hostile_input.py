"""Content written to break the build — by accident or on purpose — gets a `path:line` message
from `check` and the same from `build`, fast and in little memory, and the previous site stays."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import COMPONENTS, REPO, MakeProject, incident

GOOD = incident(
    "title: Slow\nimpact: minor\ncomponents: [db]", "## Investigating 2026-11-20 14:10\nHm.\n"
)


def both_refuse(project: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The error lines `check` prints, after asserting that `build` prints the same ones, both
    with exit code 1, and that the site built before is still there, byte for byte."""
    site = project / "site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert main(["-C", str(project), "check"]) == 1
    checked = capsys.readouterr().err.splitlines()
    assert main(["-C", str(project), "build", "--now", "2026-11-22 12:00"]) == 1
    built = capsys.readouterr().err.splitlines()
    assert checked[:-1] == built[:-1]
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert not any("Traceback" in line for line in checked + built)
    return checked[:-1]


@pytest.fixture
def built_project(make_project: MakeProject) -> Path:
    """A project with a good incident whose site has been built once."""
    project = make_project({"incidents/slow.md": GOOD})
    assert main(["-C", str(project), "build", "-q", "--now", "2026-11-22 12:00"]) == 0
    return project


def write(project: Path, name: str, text: str | bytes) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


BOMB = "".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
            for i in range(9)
        ),
    ]
)


@pytest.mark.parametrize("where", ["components.yaml", "incidents/x.md"])
def test_an_alias_bomb_is_refused_at_once_in_little_memory(
    built_project: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    if where == "components.yaml":
        write(built_project, where, COMPONENTS + BOMB.replace("a:", "x-a:", 1))
        line = COMPONENTS.count("\n") + 6  # "f", the first level past the limit
    else:
        write(built_project, where, f"---\ntitle: T\nimpact: minor\n{BOMB}---\n")
        line = 9
    started = time.perf_counter()
    errors = both_refuse(built_project, capsys)
    assert time.perf_counter() - started < 5
    assert (
        f"{where}:{line}: YAML expands to more than 100,000 values through its aliases"
        in (errors[0])
    )


def test_a_bomb_a_level_deeper_stays_bounded(tmp_path: Path, make_project: MakeProject) -> None:
    # Twelve levels of nine would be 282 billion values; the refusal must not try to make them.
    deeper = BOMB + "".join(
        f"{chr(107 + i)}: &{chr(107 + i)} [{', '.join([f'*{chr(106 + i)}'] * 9)}]\n"
        for i in range(3)
    )
    project = make_project({"incidents/x.md": f"---\ntitle: T\nimpact: minor\n{deeper}---\n"})
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            limit + "from statusgen.cli import main; raise SystemExit(main())",
            "check",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1, result.stderr
    assert "YAML expands to more than 100,000 values" in result.stderr
    assert "Traceback" not in result.stderr
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1 << 20  # KB: under 1 GB


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T\nimpact: minor\nx: &a [*a]", "incidents/x.md:4: YAML alias refers to the value"),
        (
            "title: !!python/object:os.system T\nimpact: minor",
            "incidents/x.md:2: YAML tag 'python/object:os.system' is not allowed "
            "(plain text, numbers, true/false, lists and mappings only)",
        ),
        (
            "title: T\nimpact: minor\nstarted: !!timestamp 2026-02-30",
            "incidents/x.md:4: YAML tag 'timestamp' is not allowed",
        ),
        ("title: !secret T\nimpact: minor", "incidents/x.md:2: YAML tag '!secret' is not allowed"),
        (
            "title: T\nimpact: minor\n? [a, b]\n: c",
            "incidents/x.md:4: a key must be plain text, not a list or a mapping",
        ),
        (
            "title: T\nimpact: minor\nurgency: " + "9" * 5000,
            "incidents/x.md:4: number '9999999999999999999999999999999999999999' is too long",
        ),
        (
            "title: T\nimpact: minor\n<<: {eta: 2026-11-20 18:00}",
            "incidents/x.md:4: YAML merge keys ('<<') are not supported",
        ),
    ],
)
def test_yaml_that_cannot_be_read_safely_is_refused(
    built_project: Path, capsys: pytest.CaptureFixture[str], front: str, expected: str
) -> None:
    write(built_project, "incidents/x.md", incident(front, "## Investigating 2026-11-20 14:10\n"))
    (error,) = both_refuse(built_project, capsys)
    assert error.startswith(expected)


def test_duplicate_keys_name_both_lines(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        built_project,
        "incidents/x.md",
        incident(
            "title: One\nimpact: minor\ntitle: Two\ncomponents:\n  db: major_outage\n  db: partial_outage",
            "## Investigating 2026-11-20 14:10\n",
        ),
    )
    write(
        built_project,
        "components.yaml",
        COMPONENTS.replace("  title: Example Status\n", "  title: A\n  title: B\n"),
    )
    assert both_refuse(built_project, capsys) == [
        "components.yaml:3: duplicate key 'title' (also on line 2)",
        "incidents/x.md:4: duplicate key 'title' (also on line 2)",
        "incidents/x.md:7: duplicate key 'db' (also on line 6)",
    ]


@pytest.mark.parametrize(
    ("front", "body", "expected"),
    [
        (
            "title: T\nimpact: minor\nstarted: 0001-01-01 00:00",
            "## Investigating 2026-11-20 14:10\n",
            "incidents/x.md:4: started: timestamp '0001-01-01 00:00' is out of range "
            "(years 1970 to 2199)",
        ),
        (
            "title: T\nimpact: minor\neta: soon",
            "## Investigating 2026-11-20 14:10\n",
            "incidents/x.md:4: eta: malformed timestamp 'soon' (expected YYYY-MM-DD HH:MM[:SS] "
            "or ISO 8601 like 2026-11-20T14:02:00Z)",
        ),
        (
            "title: T\nimpact: minor",
            "## Investigating 9999-12-31 23:59\n",
            "incidents/x.md:5: update heading: timestamp '9999-12-31 23:59' is out of range "
            "(years 1970 to 2199)",
        ),
        (
            "title: T\nimpact: minor",
            "## Investigating 2026-11-20 14:10\nETA: 9999-12-31 20:00\n",
            "incidents/x.md:6: ETA line: timestamp '9999-12-31 20:00' is out of range "
            "(years 1970 to 2199)",
        ),
        (
            "type: maintenance\ntitle: T\ncomponents: [db]\nscheduled_start: 2026-11-20 14:10\n"
            "scheduled_end: 9999-12-31 20:00",
            "## Scheduled 2026-11-19 14:10\n",
            "incidents/x.md:6: scheduled_end: timestamp '9999-12-31 20:00' is out of range "
            "(years 1970 to 2199)",
        ),
    ],
)
def test_timestamps_name_their_key_and_stay_in_range(
    built_project: Path, capsys: pytest.CaptureFixture[str], front: str, body: str, expected: str
) -> None:
    write(built_project, "incidents/x.md", incident(front, body))
    assert both_refuse(built_project, capsys) == [expected]


def test_build_now_out_of_range_is_a_usage_error(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["-C", str(built_project), "build", "--now", "9999-12-31 23:00"])
    assert exited.value.code == 2
    assert "argument --now: timestamp '9999-12-31 23:00' is out of range" in (
        capsys.readouterr().err
    )


def test_control_characters_are_refused_where_they_are(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = "\x1b[31mERROR\x1b[0m connection refused"
    write(
        built_project,
        "incidents/x.md",
        incident("title: T\nimpact: minor", f"## Investigating 2026-11-20 14:10\n{log}\n"),
    )
    write(built_project, "components.yaml", COMPONENTS.replace("Example", "Exam\x00ple"))
    assert both_refuse(built_project, capsys) == [
        "components.yaml:2: control character U+0000 in column 14 (remove it: text may hold "
        "tabs and line breaks, but no terminal colour codes or other controls)",
        "incidents/x.md:6: control character U+001B in column 1 (remove it: text may hold "
        "tabs and line breaks, but no terminal colour codes or other controls)",
    ]


def test_control_characters_spelt_as_yaml_escapes_are_refused(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        built_project,
        "incidents/x.md",
        incident('title: "Red \\u001b[31m"\nimpact: minor', "## Investigating 2026-11-20 14:10\n"),
    )
    assert both_refuse(built_project, capsys) == [
        "incidents/x.md:2: control character U+001B in a quoted value (remove its escape: text "
        "may hold tabs and line breaks, but no other controls)"
    ]


def test_files_and_texts_have_a_size_limit(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        built_project,
        "incidents/big.md",
        incident("title: T\nimpact: minor", "## Investigating 2026-11-20 14:10\n")
        + "word " * 210_000,
    )
    long_update = "A long update. " * 5000
    write(
        built_project,
        "incidents/long.md",
        incident(
            "title: T\nimpact: minor",
            f"## Monitoring 2026-11-20 15:10\n{long_update}\n## Investigating 2026-11-20 14:10\n",
        ),
    )
    assert both_refuse(built_project, capsys) == [
        "incidents/big.md:1: file is larger than 1,024 KB (the limit)",
        "incidents/long.md:5: the update's text is too long (74,999 characters; at most 65,536)",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_only_regular_files_are_read(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(built_project / "incidents/pipe.md")
    (built_project / "incidents/zero.md").symlink_to("/dev/zero")
    os.mkfifo(built_project / "fifo")
    (built_project / "incidents/to-fifo.md").symlink_to(built_project / "fifo")
    started = time.perf_counter()
    assert both_refuse(built_project, capsys) == [
        "incidents/pipe.md:1: is not a regular file but a FIFO (content files must be plain files)",
        "incidents/to-fifo.md:1: is not a regular file but a FIFO (content files must be plain "
        "files)",
        "incidents/zero.md:1: is not a regular file but a character device (content files must "
        "be plain files)",
    ]
    assert time.perf_counter() - started < 10


def test_a_components_yaml_that_is_a_fifo_is_refused(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    (project / "components.yaml").unlink()
    os.mkfifo(project / "components.yaml")
    assert main(["-C", str(project), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "components.yaml:1: is not a regular file but a FIFO (content files must be plain files)"
    )


def test_a_missing_incidents_folder_is_an_error_and_an_empty_one_is_not(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    assert main(["-C", str(project), "check"]) == 0
    (project / "incidents").rmdir()
    assert main(["-C", str(project), "build"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "incidents/: folder not found (create it: an empty folder is fine)",
        "statusgen: 1 error found; the previous site was left as it was",
    ]
    assert main(["-C", str(project), "check", "--format", "github"]) == 1
    folder = os.path.relpath(project / "incidents")
    assert capsys.readouterr().out.splitlines() == [
        f"::error file={folder}::folder not found (create it: an empty folder is fine)"
    ]


def test_names_and_links_that_cannot_be_read(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built_project / "incidents/gone.md").symlink_to(built_project / "nowhere.md")
    os.close(os.open(os.path.join(os.fsencode(built_project), b"incidents/caf\xe9.md"), os.O_CREAT))
    assert both_refuse(built_project, capsys) == [
        "incidents/caf\ufffd.md:1: file name 'caf\ufffd.md' is not a valid id "
        "(use a-z, 0-9 and '-', then .md)",
        "incidents/gone.md:1: cannot be read (No such file or directory)",
    ]
    assert main(["-C", str(built_project), "check", "--format", "github"]) == 1
    assert "caf\ufffd.md" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() == 0, reason="the superuser reads every folder")
def test_an_unreadable_folder_is_an_error(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = built_project / "incidents/2025"
    hidden.mkdir()
    hidden.chmod(0)
    try:
        assert both_refuse(built_project, capsys) == [
            "incidents/2025/: folder cannot be read (Permission denied)"
        ]
    finally:
        hidden.chmod(0o755)


def test_check_renders_every_page_so_a_template_failing_at_render_time_fails_both(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        built_project,
        "templates/incident.html",
        '{% extends "default/incident.html" %}\n'
        "{% block content %}{{ super() }}\n{{ incident.nothing.deeper }}{% endblock %}\n",
    )
    assert main(["-C", str(built_project), "check"]) == 1
    checked = capsys.readouterr().err
    assert main(["-C", str(built_project), "build"]) == 1
    assert capsys.readouterr().err == checked
    template = built_project / "templates/incident.html"
    shown = os.path.relpath(template) if template.is_relative_to(Path.cwd()) else str(template)
    assert checked.startswith(f"statusgen: {shown}:3: template error in incident.html: ")
    assert "'nothing'" in checked and "Traceback" not in checked
    assert main(["-C", str(built_project), "check", "--format", "github"]) == 1
    annotated = f"::error file={os.path.relpath(template)},line=3::"
    assert capsys.readouterr().out.startswith(annotated)


def test_markdown_that_would_convert_slowly_or_overflow_is_refused_fast(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = "".join("  " * depth + "- item\n" for depth in range(150))
    brackets = "[a " * 15_000
    write(
        built_project,
        "incidents/x.md",
        incident(
            "title: T\nimpact: minor",
            f"## Monitoring 2026-11-20 15:00\n{brackets}\n\n"
            f"## Investigating 2026-11-20 14:10\n{nested}\n",
        ),
    )
    started = time.perf_counter()
    errors = both_refuse(built_project, capsys)
    assert time.perf_counter() - started < 20  # unguarded, the brackets alone take minutes
    assert [error.split(" (")[0] for error in errors] == [
        "incidents/x.md:5: the update's text has too many unbalanced brackets",
        "incidents/x.md:8: the update's text is nested too deeply",
    ]


def test_ids_too_long_for_a_file_name_are_refused(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(built_project, f"incidents/{'a' * 101}.md", GOOD)
    long_id = "b" * 101
    write(
        built_project,
        "components.yaml",
        COMPONENTS.replace(
            "      - id: db\n", f"      - id: {long_id}\n        name: B\n      - id: db\n"
        ),
    )
    assert both_refuse(built_project, capsys) == [
        "components.yaml:15: component id is too long (101 characters; at most 100)",
        f"incidents/{'a' * 101}.md:1: file name '{'a' * 101}.md' is too long for an id "
        "(101 characters before .md; at most 100)",
    ]


def test_check_finds_two_files_claiming_one_path(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Page 2 of db's history would be components/db-2.html, the page of a component "db-2".
    write(
        built_project,
        "components.yaml",
        COMPONENTS.replace(
            "        name: Database\n",
            "        name: Database\n      - id: db-2\n        name: Replica\n",
        ),
    )
    for n in range(55):
        day = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"
        write(
            built_project,
            f"incidents/old-{n}.md",
            incident(
                "title: Old\nimpact: minor\ncomponents: [db]",
                f"## Resolved {day} 11:00\nOk.\n\n## Investigating {day} 10:00\nHm.\n",
            ),
        )
    assert both_refuse(built_project, capsys) == []
    assert main(["-C", str(built_project), "check"]) == 1
    assert capsys.readouterr().err == (
        "statusgen: two outputs would be written to components/db-2.html\n"
    )


def test_the_markdown_filter_keeps_the_limits_of_updates(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        built_project, "templates/partials/custom_footer.html", "{{ site.description|markdown }}\n"
    )
    description = "[" * 20_000
    write(
        built_project,
        "components.yaml",
        COMPONENTS.replace("  timezone:", f"  description: '{description}'\n  timezone:"),
    )
    started = time.perf_counter()
    assert main(["-C", str(built_project), "check"]) == 1
    assert time.perf_counter() - started < 20  # unguarded: over a minute
    err = capsys.readouterr().err
    assert "custom_footer.html:1: template error in " in err
    assert "the text given to the markdown filter has too many unbalanced brackets" in err


def test_folders_nested_a_thousand_deep_are_walked(
    built_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = built_project / "incidents"
    for _ in range(1200):  # one at a time: making them all at once recurses too
        deep = deep / "a"
        deep.mkdir()
    (deep / "deep.md").write_text(GOOD.replace("title: Slow", "title: Deep"))
    try:
        assert main(["-C", str(built_project), "check"]) == 0
        assert "ok: 2 incidents" in capsys.readouterr().out
    finally:  # removed here, from the bottom up: a recursive removal would overflow as well
        (deep / "deep.md").unlink()
        while deep != built_project / "incidents":
            deep.rmdir()
            deep = deep.parent
