#!/usr/bin/env bash
# The test command (`npm test`): installs missing test servers, type-checks, lints, then runs
# every test against real servers. Stops at the first failing step and says which one.
# Extra arguments go to mocha, e.g. `npm test -- --grep 'email'`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

started=$(date +%s)
step=""
section() {
  step="$1"
  printf '\n==================== %s ====================\n' "$1"
}
on_exit() {
  local rc=$?
  local took=$(($(date +%s) - started))
  if [ $rc -eq 0 ]; then
    printf '\n==================== npm test: PASSED in %ss ====================\n' "$took"
  else
    printf '\n==================== npm test: FAILED at "%s" (exit %s) after %ss ====================\n' "$step" "$rc" "$took"
  fi
}
trap on_exit EXIT

section "1/4 test dependencies"
bash scripts/ensure-test-deps.sh

section "2/4 type check (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

section "3/4 lint and format (biome check)"
npx biome check .

section "4/4 tests (mocha, real servers)"
npx mocha 'test/**/*.test.ts' "$@"
