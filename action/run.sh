#!/usr/bin/env bash
# Runs the command decide.sh chose, in the project folder. A build's site path is an output,
# for the Pages upload and for the steps that follow.
set -euo pipefail
cd "${STATUSGEN_PROJECT:-.}"
case "$STATUSGEN_COMMAND" in
  check)
    statusgen check --format github
    ;;
  build)
    out="${STATUSGEN_OUT:-_site}"
    args=(build --out "$out")
    if [ -n "${STATUSGEN_NOW:-}" ]; then args+=(--now "$STATUSGEN_NOW"); fi
    if [ "${STATUSGEN_CACHE:-true}" != true ]; then args+=(--no-cache); fi
    statusgen "${args[@]}"
    echo "site=$(cd "$out" && pwd)" >> "$GITHUB_OUTPUT"
    ;;
esac
