#!/usr/bin/env bash
# Runs the command decide.sh chose on the project folder, from the repository's root, so that
# the annotations of `check` name files as the repository does. A build's site path is an
# output, for the Pages upload and for the steps that follow; so is the time it was built as of,
# which a later `notify` is given, so that it announces nothing the published pages do not show.
set -euo pipefail
project="${STATUSGEN_PROJECT:-.}"
now="${STATUSGEN_NOW:-}"
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
    # The clock, read once here (unless the build is to be reproducible: SOURCE_DATE_EPOCH).
    if [ -z "$now" ] && [ -z "${SOURCE_DATE_EPOCH:-}" ]; then now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"; fi
    if [ -n "$now" ]; then args+=("--now=$now"); fi
    # As the action's conditions compare it: without regard to case.
    cache="${STATUSGEN_CACHE:-true}"
    if [ "${cache,,}" != true ]; then args+=(--no-cache); fi
    statusgen "${args[@]}"
    site="$(cd "$site" && pwd)"
    # The delimiter form: a value cannot add an output of its own with a line break.
    delimiter="statusgen-$RANDOM$RANDOM$RANDOM"
    printf 'site<<%s\n%s\n%s\n' "$delimiter" "$site" "$delimiter" >> "$GITHUB_OUTPUT"
    printf 'now<<%s\n%s\n%s\n' "$delimiter" "$now" "$delimiter" >> "$GITHUB_OUTPUT"
    ;;
  notify)
    args=(-C "$project" notify)
    if [ -n "$now" ]; then args+=("--now=$now"); fi
    # exec: a cancelled job's signal reaches statusgen itself, which has recorded each delivery
    # as it was made.
    exec statusgen "${args[@]}"
    ;;
  *)
    echo "::error title=statusgen action::unknown command (allowed: check, build, notify)"
    exit 2
    ;;
esac
