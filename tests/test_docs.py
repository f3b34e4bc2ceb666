"""The contributors' guides (docs/*.md) and the README stay true to the code: every
module is in the guide's module table, and every path, module, name and link they give exists.
(The rules the guide states about the package's shape are tested in test_architecture.py.)"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "statusgen"
GUIDE = REPO / "docs" / "architecture.md"
README = REPO / "README.md"
DOCS = [GUIDE, README, REPO / "docs" / "performance.md", REPO / "docs" / "contributing.md"]
PARTS = ("model", "load", "derive", "render", "outputs", "engine", "authoring")

# Backticked spans, and the repository paths, dotted names and private names inside them.
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# (Not an action's address: `statusgen/statusgen@v0.1.0`.)
REPO_PATH = re.compile(r"(?<![\w./-])(?:statusgen|tests|bench|docs|\.ci|\.github)/[\w./-]*+(?!@)")
PART_PATH = re.compile(rf"^(?:{'|'.join(PARTS)})/[\w./-]+$")
DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.\w+)+$")
# A file name (`write.py`, `build.cache`, `statusgen.pot`), not a dotted name.
FILE_NAME = re.compile(r".*\.(?:py|html|md|ya?ml|toml|cache|pot|po|mo|css|json|svg|ics|rss|atom)$")
PRIVATE = re.compile(r"^_[A-Za-z]\w*$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def modules() -> set[str]:
    """Every module of the package, as a path from the repository."""
    return {
        path.relative_to(REPO).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def prose(doc: Path) -> str:
    """The text of `doc` outside fenced code blocks."""
    kept, fenced = [], False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return "\n".join(kept)


def spans(doc: Path) -> list[str]:
    return [span.strip().removesuffix("()") for span in CODE_SPAN.findall(prose(doc))]


def module_table() -> list[str]:
    """The first cell of each row of the guide's table under "## The modules"."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("\n## The modules\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [CODE_SPAN.match(row.removeprefix("| ")).group(1) for row in rows]  # type: ignore[union-attr]


def test_every_module_is_in_the_module_table() -> None:
    listed = module_table()
    missing = sorted(modules() - set(listed))
    assert not missing, f"add these modules to the table under 'The modules': {missing}"
    repeated = sorted({row for row in listed if listed.count(row) > 1})
    assert not repeated, f"listed more than once: {repeated}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_repository_path_named_exists(doc: Path) -> None:
    named = set(REPO_PATH.findall(doc.read_text(encoding="utf-8")))
    # `engine/keys.py` and the like: paths inside the package, named without its name.
    named |= {f"statusgen/{span}" for span in spans(doc) if PART_PATH.match(span)}
    gone = sorted(path for path in named if not (REPO / path.rstrip("/.")).exists())
    assert not gone, f"{doc.name} names paths that do not exist: {gone}"


def test_every_file_the_guide_names_by_itself_exists() -> None:
    """`macros.html`, `badges.py`: a module or template of the package by that name. (Not in
    the README, where `update.html` is what a template reads.)"""
    names = {path.name for path in PACKAGE.rglob("*") if path.is_file()}
    named = {span for span in spans(GUIDE) if re.fullmatch(r"[\w-]+\.(?:py|html)", span)}
    assert sorted(named - names) == [], "the guide names files statusgen does not have"


def resolve(dotted: str) -> bool:
    """Whether `dotted` is a module of statusgen or a name in one; with `statusgen.` left off
    too (`write.check_paths`), or a class and one of its attributes (`Engine.load`)."""
    parts = dotted.split(".")
    if parts[0] != "statusgen":
        if parts[0][:1].isupper():
            return any(_class_has(module, parts[0], parts[1:]) for module in _loaded())
        if not (PACKAGE / parts[0]).is_dir() and not (PACKAGE / f"{parts[0]}.py").is_file():
            return True  # another library's name (`gc.freeze`), not statusgen's
        parts = ["statusgen", *parts]
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def _loaded() -> list[object]:
    names = [
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__main__.py"
    ]
    return [importlib.import_module(name) for name in [*names, "tests.conftest"]]


def _class_has(module: object, name: str, attributes: list[str]) -> bool:
    found = vars(module).get(name)
    if not inspect.isclass(found) or found.__module__ != getattr(module, "__name__", None):
        return False
    source = inspect.getsource(found)
    for attribute in attributes:
        # A method, property or class attribute; else one set on the instance (`self.x = …`).
        if not hasattr(found, attribute) and not re.search(
            rf"\bself\.{re.escape(attribute)}\s*(?::[^=\n]+)?=[^=]", source
        ):
            return False
        found = getattr(found, attribute, None)
    return True


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_module_and_name_given_exists(doc: Path) -> None:
    text = prose(doc)
    dotted = {span for span in spans(doc) if DOTTED.match(span)}
    dotted |= set(re.findall(r"\bstatusgen(?:\.\w+)+", text))  # `python -m statusgen.x.y` too
    unknown = sorted(name for name in dotted if not FILE_NAME.match(name) and not resolve(name))
    assert not unknown, f"{doc.name} names what statusgen does not have: {unknown}"


def test_every_private_name_given_is_defined() -> None:
    """`_LIBRARIES`, `_PAGE_TEMPLATES`, `_code`: the guide points at them, so they must be there."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py"))
    named = {span for span in spans(GUIDE) if PRIVATE.match(span)}
    undefined = sorted(
        name
        for name in named
        if not re.search(rf"^\s*(?:def |class )?{re.escape(name)}\b\s*[:=(]", source, re.M)
    )
    assert not undefined, f"the guide names what the code does not define: {undefined}"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    found: dict[str, int] = {}
    result = set()
    for line in prose(doc).splitlines():
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            base = slug(heading.group(1))
            count = found.get(base, 0)
            found[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_link_leads_somewhere(doc: Path) -> None:
    broken = []
    for target in LINK.findall(prose(doc)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists():
            broken.append(target)
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(target)
    assert not broken, f"{doc.name} has links that lead nowhere: {broken}"


def test_the_readme_sends_contributors_to_the_guide() -> None:
    assert "](docs/architecture.md)" in README.read_text(encoding="utf-8")


def test_the_checks_above_can_fail() -> None:
    """Each check finds what it is there to find."""
    assert not resolve("statusgen.catalog") and not resolve("write.no_such_function")
    assert not resolve("Engine.render") and resolve("Engine.load") and resolve("Engine.warnings")
    assert resolve("statusgen.render.catalog") and resolve("gc.freeze")
    assert slug("Incidents: `incidents/**/*.md`") == "incidents-incidentsmd"
    assert slug("How to add an output") == "how-to-add-an-output"
    assert "statusgen/load/config.py" in modules()
    assert module_table()[:2] == ["statusgen/__init__.py", "statusgen/__main__.py"]
