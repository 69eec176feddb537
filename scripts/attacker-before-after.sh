#!/usr/bin/env bash
# Runs the attacker suites (js/test/attacker*.test.js) against an earlier build and against this
# one, and prints each finding's result side by side: evidence that a finding fails before its
# change and passes after. Usage: bash scripts/attacker-before-after.sh [COMMIT] [FILE…]
# COMMIT defaults to b239651 (the last commit before issue 25, "Points are money, round 3");
# issue 14's evidence is `bash scripts/attacker-before-after.sh ea8e0b9 js/test/attacker.test.js`.
# Builds the earlier server in its own worktree and target dir under target/ (a few minutes
# the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-b239651}
shift || true
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(js/test/attacker*.test.js)
work=target/attacker-base/src
if [ ! -d "$work" ]; then
  mkdir -p target/attacker-base
  git worktree add -f --detach "$work" "$base" >/dev/null
fi
(cd "$work" && git checkout -q --detach "$base" && cargo build -q -p zailai-server --target-dir ../target)
cargo build -q -p zailai-server
run() { ZAILAI_BIN="$1" node --test --test-reporter=tap "$2" 2>/dev/null | grep -E '^(not )?ok [0-9]+ - ' || true; }
printf '%-7s %-7s %s\n' before after finding
for file in "${files[@]}"; do
  before=$(run "$PWD/target/attacker-base/target/debug/zailai" "$file")
  after=$(run "$PWD/target/debug/zailai" "$file")
  paste -d'\t' <(echo "$before") <(echo "$after") | while IFS=$'\t' read -r b a; do
    name=${a#* - }
    printf '%-7s %-7s %s: %s\n' "$( [[ $b == not* ]] && echo FAIL || echo pass )" "$( [[ $a == not* ]] && echo FAIL || echo pass )" "$(basename "$file" .test.js)" "$name"
  done
done
