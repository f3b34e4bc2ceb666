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
    # A cancelled job's signal is passed on to statusgen, which has recorded each delivery as
    # it was made; the record is then saved here, before the step ends, rather than left to a
    # later step that a cancelled job may never run. (The action's save step runs too, and
    # finds it saved.)
    statusgen "${args[@]}" &
    child=$!
    signalled=""
    # As TERM: a command started with & ignores INT. statusgen ends at once, its record whole.
    trap 'signalled=1; kill -TERM "$child" 2> /dev/null || true' INT TERM
    status=0
    wait "$child" || status=$?
    while kill -0 "$child" 2> /dev/null; do # a trapped signal ends `wait` early
      status=0
      wait "$child" || status=$?
    done
    trap - INT TERM
    if [ -n "$signalled" ]; then
      bash "$(dirname "$0")/record-save.sh" || true
    fi
    exit "$status"
    ;;
  *)
    echo "::error title=statusgen action::unknown command (allowed: check, build, notify)"
    exit 2
    ;;
esac
