#!/usr/bin/env bash
# Installs statusgen for the action: the release asked for from the package index, or else the
# action's own source, which the ref in `uses:` pins.
set -euo pipefail
if [ -n "${STATUSGEN_VERSION:-}" ]; then
  if ! [[ "$STATUSGEN_VERSION" =~ ^[0-9]+(\.[0-9]+)*([a-z]+[0-9]*)?$ ]]; then
    echo "::error title=statusgen action::version '$STATUSGEN_VERSION' is not a release number (e.g. 0.2.0)"
    exit 2
  fi
  spec="statusgen==$STATUSGEN_VERSION"
else
  spec="$STATUSGEN_SOURCE"
fi
python -m pip install --disable-pip-version-check --quiet "$spec"
statusgen --version
