#!/usr/bin/env bash
# Which command the action runs: the one asked for, else check on pull requests (and the merge
# queue) and build on everything else (pushes, the schedule, a run by hand); notify only when
# asked for.
set -euo pipefail
command="${STATUSGEN_COMMAND:-}"
if [ -z "$command" ]; then
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target | merge_group) command=check ;;
    *) command=build ;;
  esac
fi
case "$command" in
  check | build | notify) ;;
  *)
    # Escaped as workflow commands require: a line break cannot start a command of its own.
    shown="${command//'%'/'%25'}"
    shown="${shown//$'\r'/'%0D'}"
    shown="${shown//$'\n'/'%0A'}"
    echo "::error title=statusgen action::unknown command '$shown' (allowed: check, build, notify)"
    exit 2
    ;;
esac
echo "command=$command" >> "$GITHUB_OUTPUT"
