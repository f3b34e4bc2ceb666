#!/usr/bin/env bash
# Brings the delivery record of `statusgen notify` from its branch of the repository into
# <project>/.statusgen-notify/record.json, where notify reads it. The branch holds that one file
# and nothing else; it is made by the first run that delivers anything. A branch that cannot be
# read (as opposed to one not made yet) stops the job: without the record, updates already
# delivered would be sent again.
set -euo pipefail
project="${STATUSGEN_PROJECT:-.}"
branch="${STATUSGEN_RECORD_BRANCH:-statusgen-notify}"
folder="$project/.statusgen-notify"
mkdir -p "$folder"
status=0
git ls-remote --exit-code --heads origin "refs/heads/$branch" > /dev/null || status=$?
if [ "$status" -eq 2 ]; then
  echo "no delivery record yet (branch $branch): updates within the horizon will be sent"
  exit 0
elif [ "$status" -ne 0 ]; then
  echo "::error title=statusgen action::cannot read the delivery record's branch '$branch'"
  exit 1
fi
git fetch --quiet --no-tags --depth=1 origin "+refs/heads/$branch:refs/statusgen/record"
# Written beside it, then renamed: a failed or interrupted read leaves no part of a record for
# the save step (which runs whatever happened) to push over the branch's good one.
git show "refs/statusgen/record:record.json" > "$folder/record.json.part"
mv "$folder/record.json.part" "$folder/record.json"
echo "delivery record read from branch $branch"
