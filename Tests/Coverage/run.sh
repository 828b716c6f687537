#!/usr/bin/env bash
# Which lines of Herald's sources no test runs: the Swift suites, then the chaos, fuzz and browser
# tests driving a `herald` built with coverage (each of its processes writes a profile when it
# exits). Builds into .build-cov; prints llvm-cov's report of Sources/ (the bench tool left out) and
# writes every line no test ran to .build-cov/uncovered.txt, as `path:line: text`.
#   Tests/Coverage/run.sh          env: COVERAGE_SWIFT_ONLY=1 for the Swift suites alone
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SCRATCH=.build-cov
# The toolchain's own llvm tools: another LLVM's may not read the profiles this compiler writes.
LLVM="$(dirname "$(readlink -f "$(command -v swift)")")"
PROFILES="$(mktemp -d /tmp/herald-coverage.XXXXXX)"
trap 'rm -rf "$PROFILES"' EXIT

swift build --build-tests --enable-code-coverage --scratch-path "$SCRATCH"
BIN="$(swift build --show-bin-path --scratch-path "$SCRATCH")"
swift test --skip-build --enable-code-coverage --scratch-path "$SCRATCH"
if [ -z "${COVERAGE_SWIFT_ONLY:-}" ]; then
    export LLVM_PROFILE_FILE="$PROFILES/%p-%m.profraw"
    HERALD_BIN="$BIN/herald" python3 -m unittest discover -s Tests/Chaos -p '*_test.py'
    bash Tests/Fuzz/run.sh "$BIN/herald"
    python3 Tests/Browser/inbox_test.py --herald "$BIN/herald"
    unset LLVM_PROFILE_FILE
fi

find "$PROFILES" -name '*.profraw' -print0 |
    xargs -0 "$LLVM/llvm-profdata" merge -sparse "$BIN/codecov/default.profdata" -o "$PROFILES/all.profdata"
coverage=("$BIN/herald" -object "$BIN/heraldPackageTests.xctest" -instr-profile "$PROFILES/all.profdata"
    -ignore-filename-regex '(/\.build[^/]*/|/Tests/|/HeraldBench/)')
"$LLVM/llvm-cov" report "${coverage[@]}"
# `llvm-cov show` prints each file's path on a line of its own, then `  line|  count|text`.
"$LLVM/llvm-cov" show "${coverage[@]}" |
    awk -v root="$ROOT/" '
        /^\/.*:$/ { file = substr($0, 1, length($0) - 1); sub(root, "", file); next }
        match($0, /^ *[0-9]+\| *0\|/) {
            split($0, parts, "|"); gsub(/ /, "", parts[1])
            print file ":" parts[1] ": " substr($0, RLENGTH + 1)
        }' >"$SCRATCH/uncovered.txt"
echo "lines no test ran: $(wc -l <"$SCRATCH/uncovered.txt"), in $SCRATCH/uncovered.txt"
