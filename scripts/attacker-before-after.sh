#!/usr/bin/env bash
# Runs the attacker suite (js/test/attacker.test.js) against an earlier build and against this
# one, and prints each finding's result side by side: issue 14's evidence that the suite fails
# before the change and passes after. Usage: bash scripts/attacker-before-after.sh [COMMIT]
# (default ea8e0b9, the last commit before issue 14). Builds the earlier server in its own
# worktree and target dir under target/ (a few minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-ea8e0b9}
work=target/attacker-base/src
if [ ! -d "$work" ]; then
  mkdir -p target/attacker-base
  git worktree add -f --detach "$work" "$base" >/dev/null
fi
(cd "$work" && git checkout -q --detach "$base" && cargo build -q -p zailai-server --target-dir ../target)
cargo build -q -p zailai-server
run() { ZAILAI_BIN="$1" node --test --test-reporter=tap js/test/attacker.test.js 2>/dev/null | grep -E '^(not )?ok [0-9]+ - ' || true; }
before=$(run "$PWD/target/attacker-base/target/debug/zailai")
after=$(run "$PWD/target/debug/zailai")
printf '%-7s %-7s %s\n' before after finding
paste -d'\t' <(echo "$before") <(echo "$after") | while IFS=$'\t' read -r b a; do
  name=${a#* - }
  printf '%-7s %-7s %s\n' "$( [[ $b == not* ]] && echo FAIL || echo pass )" "$( [[ $a == not* ]] && echo FAIL || echo pass )" "$name"
done
