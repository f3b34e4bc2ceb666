#!/usr/bin/env bash
# Runs the command decide.sh chose on the project folder, from the repository's root, so that
# the annotations of `check` name files as the repository does. A build's site path is an
# output, for the Pages upload and for the steps that follow.
set -euo pipefail
project="${STATUSGEN_PROJECT:-.}"
case "$STATUSGEN_COMMAND" in
  check)
    statusgen -C "$project" check --format github
    ;;
  build)
    out="${STATUSGEN_OUT:-_site}"
    case "$out" in
      /*) site="$out" ;;
      *) site="$project/$out" ;;
    esac
    args=(-C "$project" build "--out=$site")
    if [ -n "${STATUSGEN_NOW:-}" ]; then args+=("--now=$STATUSGEN_NOW"); fi
    # As the action's conditions compare it: without regard to case.
    cache="${STATUSGEN_CACHE:-true}"
    if [ "${cache,,}" != true ]; then args+=(--no-cache); fi
    statusgen "${args[@]}"
    site="$(cd "$site" && pwd)"
    # The delimiter form: a value cannot add an output of its own with a line break.
    delimiter="statusgen-$RANDOM$RANDOM$RANDOM"
    printf 'site<<%s\n%s\n%s\n' "$delimiter" "$site" "$delimiter" >> "$GITHUB_OUTPUT"
    ;;
  *)
    echo "::error title=statusgen action::unknown command (allowed: check, build)"
    exit 2
    ;;
esac
