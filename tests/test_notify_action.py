"""The action's delivery-record steps against a real git remote, when something goes wrong."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO
from tests.test_workflows import clone, git, run_script

ENV = {"STATUSGEN_PROJECT": ".", "STATUSGEN_RECORD_BRANCH": "statusgen-notify"}


def test_a_record_that_cannot_be_read_is_not_saved_over_the_branch(tmp_path: Path) -> None:
    """The save step runs whatever became of the load: a failed load must leave it nothing."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    # The record's branch, holding something else than record.json.
    empty_tree = git(origin, "hash-object", "-w", "-t", "tree", "/dev/null").strip()
    before = git(origin, "commit-tree", empty_tree, "-m", "no record here").strip()
    git(origin, "update-ref", "refs/heads/statusgen-notify", before)

    checkout = clone(origin, tmp_path / "checkout")
    result, _ = run_script("record-load.sh", ENV, tmp_path, cwd=checkout)
    assert result.returncode != 0
    assert not (checkout / ".statusgen-notify" / "record.json").exists()
    result, _ = run_script("record-save.sh", ENV, tmp_path, cwd=checkout)
    assert result.returncode == 0 and "no delivery record to save" in result.stdout
    assert git(origin, "rev-parse", "statusgen-notify").strip() == before


def test_a_cancelled_notify_saves_the_record_before_its_step_ends(tmp_path: Path) -> None:
    """The runner signals a cancelled job's step, and may run no later step of the action: the
    deliveries recorded until then reach the record's branch from the notify step itself."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    checkout = clone(origin, tmp_path / "checkout")
    record = checkout / ".statusgen-notify" / "record.json"
    # A statusgen that records one delivery, then is still sending when the job is cancelled.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "statusgen"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, time\n"
        f"record = pathlib.Path({str(record)!r})\n"
        "record.parent.mkdir(parents=True, exist_ok=True)\n"
        'record.write_text(\'{"version": 1, "delivered": ["one"]}\\n\')\n'
        "time.sleep(60)\n"
    )
    fake.chmod(0o755)
    step = subprocess.Popen(
        ["bash", str(REPO / "action" / "run.sh")],
        cwd=checkout,
        env={
            **os.environ,
            **ENV,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "STATUSGEN_COMMAND": "notify",
            "GITHUB_OUTPUT": str(tmp_path / "output"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the fake is asleep, "sending"
    step.send_signal(signal.SIGINT)
    out, err = step.communicate(timeout=60)
    assert step.returncode != 0
    assert "delivery record saved to branch statusgen-notify" in out, err
    assert git(origin, "show", "statusgen-notify:record.json") == record.read_text()
