#!/usr/bin/env bash
# Commits <project>/.statusgen-notify/record.json to its branch and pushes it; run whatever
# became of notify (failed, cancelled), so that what it delivered is never delivered again. The
# commit is made from the file alone: the checkout's branch, index and files are left as they
# were. The workflow's concurrency group keeps two runs from writing the branch at once; a push
# that is refused anyway (not a fast-forward) fails the job rather than lose a delivery.
set -euo pipefail
project="${STATUSGEN_PROJECT:-.}"
branch="${STATUSGEN_RECORD_BRANCH:-statusgen-notify}"
record="$project/.statusgen-notify/record.json"
if [ ! -f "$record" ]; then
  echo "no delivery record to save"
  exit 0
fi
blob="$(git hash-object -w "$record")"
tree="$(printf '100644 blob %s\trecord.json\n' "$blob" | git mktree)"
parent="$(git rev-parse --quiet --verify "refs/statusgen/record^{commit}" || true)"
if [ -n "$parent" ] && [ "$(git rev-parse "$parent^{tree}")" = "$tree" ]; then
  echo "delivery record unchanged"
  exit 0
fi
export GIT_AUTHOR_NAME="github-actions[bot]"
export GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
message="Delivery record of statusgen notify (run ${GITHUB_RUN_ID:-by hand})"
if [ -n "$parent" ]; then
  commit="$(git commit-tree "$tree" -p "$parent" -m "$message")"
else
  commit="$(git commit-tree "$tree" -m "$message")"
fi
git push --quiet origin "$commit:refs/heads/$branch"
git update-ref refs/statusgen/record "$commit"
echo "delivery record saved to branch $branch"
