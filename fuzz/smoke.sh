#!/usr/bin/env bash
# Fuzz smoke test for CI: runs every fuzz target for a short while (default 30 s,
# FUZZ_SMOKE_SECS) from a scratch copy of the committed corpus.
#
# Exit status: 1 only when a target really crashed (a panic, a failed invariant,
# a sanitizer report: a `crash-*` or `leak-*` artifact). Everything that is about
# the machine rather than the code (cargo-fuzz missing and not installable, the
# sanitizer build failing, a timeout or out-of-memory on a busy runner) prints a
# note and counts as skipped, so this never makes CI flaky.
#
# The committed corpus is never modified; crash inputs are copied to
# fuzz/artifacts/<target>/ (git-ignored) with the command that reproduces them.
# FUZZ_SMOKE_SKIP=1 skips everything.
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
SECS="${FUZZ_SMOKE_SECS:-30}"
TARGETS=(token_validate credentials proxy_list proxy_header php_config differential)

note() { printf 'fuzz smoke: %s\n' "$*"; }

if [ "${FUZZ_SMOKE_SKIP:-0}" = 1 ]; then
    note "FUZZ_SMOKE_SKIP=1: skipped"
    exit 0
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    note "cargo-fuzz not found; trying 'cargo install cargo-fuzz' (10 min limit)"
    if ! timeout 600 cargo install --locked cargo-fuzz >/tmp/fuzz-smoke-install.log 2>&1; then
        note "NOTE: could not install cargo-fuzz (see /tmp/fuzz-smoke-install.log); fuzz smoke skipped"
        exit 0
    fi
fi

# cargo-fuzz needs nightly-only flags (-Zsanitizer); the stable toolchain
# accepts them with RUSTC_BOOTSTRAP=1.
export RUSTC_BOOTSTRAP=1

note "building the targets (sanitizer build, 30 min limit)"
if ! timeout 1800 cargo fuzz build --fuzz-dir "$FUZZ_DIR" >/tmp/fuzz-smoke-build.log 2>&1; then
    tail -n 30 /tmp/fuzz-smoke-build.log
    note "NOTE: the fuzz build failed (above; full log /tmp/fuzz-smoke-build.log); fuzz smoke skipped."
    note "      fuzz/checks/tests/replay.rs still runs every check on the stable toolchain."
    exit 0
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
ran=() crashed=() skipped=()

for t in "${TARGETS[@]}"; do
    mkdir -p "$scratch/$t/corpus" "$scratch/$t/artifacts"
    cp -R "$FUZZ_DIR/corpus/$t/." "$scratch/$t/corpus/" 2>/dev/null || true
    dict=()
    case "$t" in token_validate | differential) dict=("-dict=$FUZZ_DIR/dicts/jwt.dict") ;; esac

    note "running $t for ${SECS}s"
    # Run from the scratch dir: libFuzzer writes its logs to the working directory.
    (cd "$scratch/$t" && timeout $((SECS + 300)) cargo fuzz run --fuzz-dir "$FUZZ_DIR" "$t" "$scratch/$t/corpus" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$scratch/$t/artifacts/" "${dict[@]}" >"$scratch/$t/log" 2>&1)
    status=$?
    grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$scratch/$t/log" | tail -n 2 | sed "s/^/  $t: /"

    crashes=$(find "$scratch/$t/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' \) | sort)
    if [ -n "$crashes" ]; then
        crashed+=("$t")
        grep -E -m 5 "panicked at|ERROR: |SUMMARY" "$scratch/$t/log" | sed "s/^/  $t: /"
        mkdir -p "$FUZZ_DIR/artifacts/$t"
        for c in $crashes; do
            cp "$c" "$FUZZ_DIR/artifacts/$t/"
            note "CRASH in $t, reproduce with: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $t artifacts/$t/$(basename "$c"))"
        done
    elif [ "$status" -ne 0 ]; then
        # Timeouts, OOM, a killed run: machine trouble until proven otherwise.
        skipped+=("$t")
        tail -n 5 "$scratch/$t/log" | sed "s/^/  $t: /"
        note "NOTE: $t stopped with status $status but left no crash input; not counted as a failure"
    else
        ran+=("$t")
    fi
done

note "ran cleanly: ${ran[*]:-none}"
[ ${#skipped[@]} -eq 0 ] || note "stopped without a crash (not failures): ${skipped[*]}"
if [ ${#crashed[@]} -ne 0 ]; then
    note "CRASHED: ${crashed[*]}"
    exit 1
fi
exit 0
