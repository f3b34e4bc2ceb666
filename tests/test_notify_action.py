"""The action's delivery-record steps against a real git remote, when something goes wrong."""

from __future__ import annotations

from pathlib import Path

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
