"""The shape of the package: stages that know nothing of the engine, and dependencies that flow
one way (model ← load, derive ← render ← outputs ← write; the engine and the pipeline on top)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "statusgen"

# What each part of the package may import from the others. A stage never imports the engine:
# whatever makes a build fast stays in engine/, and the stages stay plain functions.
ALLOWED = {
    "model": set(),
    "load": {"model", "errors", "markup"},
    "derive": {"model"},
    "render": {"model", "derive", "errors", "markup"},
    "outputs": {"model", "derive", "render", "errors", "markup"},
    "write": {"outputs", "errors"},
    "engine": {"model", "load", "derive", "render", "outputs", "write", "errors", "markup"},
    # Notifications are worked out from the stages' values, never from a build's files; speed
    # is none of their business.
    "notify": {"model", "load", "derive", "render", "outputs", "errors", "markup"},
    "markup": set(),
    "errors": set(),
}
STAGES = ("model", "load", "derive", "render", "outputs")


def part_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_parts(path: Path) -> dict[str, int]:
    """Each part of the package `path` imports from, with the line of the first import."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "statusgen":
                names = [f"statusgen.{a.name}" for a in node.names if a.name != "__version__"]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "statusgen" and len(parts) > 1:
                found.setdefault(parts[1], node.lineno)
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if part_of(p) in ALLOWED)


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_each_part_imports_only_what_lies_below_it(path: Path) -> None:
    part = part_of(path)
    wrong = {
        other: line
        for other, line in imported_parts(path).items()
        if other != part and other not in ALLOWED[part]
    }
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong} (allowed: {ALLOWED[part]})"


def test_no_stage_mentions_the_engine() -> None:
    mentions = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in modules()
        if part_of(path) in STAGES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "engine" in line
    ]
    assert not mentions


def test_the_checks_above_see_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from statusgen.engine.keys import Keys\nfrom statusgen import write, __version__\n"
    )
    assert imported_parts(sample) == {"engine": 1, "write": 2}


def test_the_build_reads_as_the_pipeline() -> None:
    tree = ast.parse((PACKAGE / "build.py").read_text())
    build = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build")
    body = [n for n in build.body if not isinstance(n, ast.Expr)]  # its docstring aside
    statements = sum(1 for n in body for s in ast.walk(n) if isinstance(s, ast.stmt))
    assert len(body) <= 3 and statements <= 12
    steps = ast.unparse(build)
    for step in ("engine.load(", "engine.derive(", "site_outputs(", "engine.write("):
        assert step in steps
