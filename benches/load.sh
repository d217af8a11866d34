#!/usr/bin/env bash
# Question 6: forward-auth under load, as the server's CPU time per request and
# as requests/s, with Organizr's session check off and on.
#
# For each mode (`off`: stateless; `on`: ORGANIZR_DB, an Organizr-schema SQLite
# database holding the cookie's session) it starts forward-auth pinned to one
# core (SERVER_CPU) and runs wrk pinned to the other (WRK_CPU) against:
#   1. GET /healthz                        (a plain 200 handler; same headers)
#   2. GET /api/v2/auth/999, no cookie     (200, guest)
#   3. GET /api/v2/auth/998, no cookie     (401: every response must be a 401)
#   4. GET /api/v2/auth/998, valid cookie  (200 + identity headers)
# every request with the same browser-like headers (the Organizr cookie among
# ten others for rows 1 and 4, the ten others alone for 2 and 3).
#
# Measures, per row, in the same run: requests/s (wrk), and the server's CPU
# time per request: utime + stime from /proc/<pid>/stat (all its threads)
# before and after the run, divided by the requests wrk completed. Also the busy
# share of each core (/proc/stat), which shows who set the pace: the server's
# core at ~100% and wrk's below it means the server is the limit. To show that
# the /healthz figure is the server's ceiling and not wrk's, /healthz is run
# again with twice and four times the connections (and two wrk threads): the
# rate must not rise.
#
# Fails when a row expected to be 2xx has any non-2xx response, when the 401
# row has any other answer, when the cookie is not accepted, or (mode `on`)
# when a token with no session row is not refused. Waits for a quiet machine
# (no cargo/rustc, under 10% CPU busy over 2 s) before starting, up to
# MAX_WAIT seconds, and says so if it never came.
#
# Usage: benches/load.sh                       (builds the two programs first)
#        BIN=/path/to/dir benches/load.sh      (forward-auth and mint-token from
#                                               there, e.g. an older build)
# Environment: DURATION (8s), ROUNDS (3), THREADS (1), CONNECTIONS (32),
# PORT (19090), SERVER_CPU (0), WRK_CPU (1), MODES ("off on"), MAX_WAIT (1800),
# LABEL.
#
# Each mode runs the four rows ROUNDS times, interleaved (healthz, guest,
# refused, cookie, healthz, ...), so that a drift in the machine's speed
# touches every row alike; the summary gives each row's median over the
# rounds, and the ratios are of those medians.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-8s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-19090}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
MODES=${MODES:-off on}
MAX_WAIT=${MAX_WAIT:-1800}
LABEL=${LABEL:-this checkout}
BASE="http://127.0.0.1:$PORT"
TICKS=$(getconf CLK_TCK)

for tool in wrk taskset sqlite3 curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool not found: installing it (Debian packages wrk, util-linux, sqlite3, curl)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk util-linux sqlite3 curl >/dev/null
        break
    fi
done

if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p forward-auth -p mint-token
    TARGET_DIR=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    BIN="${TARGET_DIR:-target}/release"
fi

WORK=$(mktemp -d)
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        # Bounded wait: escalate if it has not exited within 5 s.
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# --- a quiet machine -------------------------------------------------------
busy_ticks() { # "busy total" over all cores, from /proc/stat
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
machine_busy_percent() { # over 2 s
    local b0 t0 b1 t1
    read -r b0 t0 < <(busy_ticks)
    sleep 2
    read -r b1 t1 < <(busy_ticks)
    awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%d", (t > 0 ? 100 * b / t : 0) }'
}
builders() { # compilers and linkers running now (pgrep -x takes names of at most 15 characters)
    local n=0 name
    for name in cargo rustc rustdoc cc1 cc1plus ld cargo-clippy clippy-driver; do
        n=$((n + $(pgrep -c -x "$name" || true)))
    done
    echo "$n"
}
waited=0
quiet=no
while [ "$waited" -lt "$MAX_WAIT" ]; do
    if [ "$(builders)" = 0 ] && [ "$(machine_busy_percent)" -lt 10 ]; then
        quiet=yes
        break
    fi
    sleep 15
    waited=$((waited + 17))
done
if [ "$quiet" != yes ]; then
    echo "WARNING: the machine did not become quiet within ${MAX_WAIT}s: these numbers are noisy" >&2
fi

# --- a configured instance -------------------------------------------------
ORGANIZR_HASH=$(head -c 36 /dev/urandom | base64 | tr '+/' '-_')
export ORGANIZR_HASH
export ORGANIZR_UUID=0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90
export ORGANIZR_LISTEN="127.0.0.1:$PORT"
export RUST_LOG=${RUST_LOG:-info}

TOKEN=$("$BIN/mint-token" --user alice --group 4 --email alice@example.org --user-id 1 --lifetime 1h)
# A well-signed token with no session row: refused when the session check is on.
NO_SESSION=$("$BIN/mint-token" --user alice --group 4 --email alice@example.org --user-id 1 --lifetime 2h)
COOKIE_NAME="organizr_token_$ORGANIZR_UUID"
OTHERS="_ga=GA1.1.1870392516.1731330146; _gid=GA1.1.207461234.1732012345; PHPSESSID=9f1c2b7d4e8a0c3f6b5d1e2a7c9f0b4d; organizrLanguage=en; theme=dark; grafana_session=5a3f9d2c7b1e4a6f8d0c2b9e7a5f3d1c; grafana_session_expiry=1732015945"
MORE="sonarr_auth=CfDJ8Nq3Xz7kYb2Lw9Vt4Hs6Rp1Mc5Gd0Jf8Ke2Ua7Yi3Ow9Bn; jellyfin_device_id=TW96aWxsYS81LjAgKFgxMTsgTGludXg; sidebar_collapsed=false"
WITH_TOKEN="Cookie: $OTHERS; $COOKIE_NAME=$TOKEN; $MORE"
WITHOUT_TOKEN="Cookie: $OTHERS; $MORE"
NO_SESSION_COOKIE="Cookie: $OTHERS; $COOKIE_NAME=$NO_SESSION; $MORE"

# Organizr's own schema, one user and the cookie's session.
DB="$WORK/orgdb.db"
sqlite3 "$DB" <organizr-auth-core/tests/data/organizr-schema.sql
sqlite3 "$DB" "INSERT INTO users (id, username, email, \`group\`, group_id, locked) VALUES (1, 'alice', 'alice@example.org', 'User', 4, 0);
INSERT INTO tokens (token, user_id, browser, ip, created, expires) VALUES ('$TOKEN', 1, 'Mozilla/5.0', '127.0.0.1', '2026-01-01 00:00:00', '2099-12-31 00:00:00');"

start_server() { # mode
    if [ "$1" = on ]; then export ORGANIZR_DB="$DB"; else export ORGANIZR_DB=none; fi
    taskset -c "$SERVER_CPU" "$BIN/forward-auth" >"$WORK/server-$1.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if curl -fs -o /dev/null "$BASE/healthz" 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/server-$1.log" >&2
    echo "forward-auth did not start" >&2
    exit 1
}

expect() { # mode want cookie-header path
    local got
    got=$(curl -s -o /dev/null -w '%{http_code}' -H "$3" "$BASE$4")
    if [ "$got" != "$2" ]; then
        echo "mode $1: $4 answered $got, want $2" >&2
        cat "$WORK/server-$1.log" >&2
        exit 1
    fi
}

proc_ticks() { # utime + stime of the whole process (all threads)
    awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}
cpu_ticks() { # "busy total" of one core
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

column_median() { # the median of the numbers on stdin
    sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2) }'
}
median() { # lines "rps us" on stdin: the median of each column
    local lines
    lines=$(cat)
    echo "$(cut -d' ' -f1 <<<"$lines" | column_median) $(cut -d' ' -f2 <<<"$lines" | column_median)"
}

# run NAME EXPECT HEADER PATH [THREADS CONNECTIONS]: prints one table row.
# EXPECT: 2xx (no other answer allowed) or 401 (every answer a non-2xx).
run() {
    local name=$1 want=$2 header=$3 path=$4 threads=${5:-$THREADS} conns=${6:-$CONNECTIONS}
    local out="$WORK/$name.txt" p0 p1 sb0 st0 sb1 st1 wb0 wt0 wb1 wt1
    p0=$(proc_ticks)
    read -r sb0 st0 < <(cpu_ticks "$SERVER_CPU")
    read -r wb0 wt0 < <(cpu_ticks "$WRK_CPU")
    timeout 120 taskset -c "$WRK_CPU" wrk -t"$threads" -c"$conns" -d"$DURATION" \
        -H "$header" -H "Accept: text/html" -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0)" \
        "$BASE$path" >"$out"
    p1=$(proc_ticks)
    read -r sb1 st1 < <(cpu_ticks "$SERVER_CPU")
    read -r wb1 wt1 < <(cpu_ticks "$WRK_CPU")
    local requests rps non2xx
    requests=$(awk '/requests in/ { print $1 }' "$out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out")
    non2xx=${non2xx:-0}
    if [ "$want" = 2xx ] && [ "$non2xx" != 0 ]; then
        echo "$name: $non2xx of $requests responses were not 2xx" >&2
        cat "$out" >&2
        exit 1
    fi
    if [ "$want" = 401 ] && [ "$non2xx" != "$requests" ]; then
        echo "$name: only $non2xx of $requests responses were refusals" >&2
        exit 1
    fi
    awk -v name="$name" -v rps="$rps" -v n="$requests" -v dp=$((p1 - p0)) -v hz="$TICKS" \
        -v sb=$((sb1 - sb0)) -v st=$((st1 - st0)) -v wb=$((wb1 - wb0)) -v wt=$((wt1 - wt0)) \
        -v threads="$threads" -v conns="$conns" -v non2xx="$non2xx" 'BEGIN {
        us = dp * 1e6 / hz / n
        printf "| %s | -t%d -c%d | %.0f | %.2f | %d%% | %d%% | %d |\n", name, threads, conns, rps, us,
            100 * sb / st, 100 * wb / wt, non2xx
        print rps, us > "/dev/stderr"
    }' 2>"$WORK/$name.num"
}

echo "## forward-auth under load: $LABEL"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); binaries from $BIN; server on cpu$SERVER_CPU, wrk on cpu$WRK_CPU;"
echo "wrk -d$DURATION; machine quiet before the run: $quiet (waited ${waited}s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
    start_server "$mode"
    expect "$mode" 200 "$WITH_TOKEN" /api/v2/auth/998
    expect "$mode" 401 "$WITHOUT_TOKEN" /api/v2/auth/998
    expect "$mode" 200 "$WITHOUT_TOKEN" /api/v2/auth/999
    if [ "$mode" = on ]; then
        expect "$mode" 401 "$NO_SESSION_COOKIE" /api/v2/auth/998
    else
        expect "$mode" 200 "$NO_SESSION_COOKIE" /api/v2/auth/998
    fi
    # Warm up (connections, allocator, caches); not reported.
    DURATION=2s run warmup 2xx "$WITH_TOKEN" /api/v2/auth/998 >/dev/null
    echo
    echo "### session check $mode"
    echo
    echo "Every run ($ROUNDS rounds):"
    echo
    echo "| request | wrk | requests/s | server CPU per request (µs) | server core busy | wrk core busy | non-2xx |"
    echo "|---|---|---|---|---|---|---|"
    for round in $(seq "$ROUNDS"); do
        run "healthz_${mode}_$round" 2xx "$WITH_TOKEN" /healthz
        run "guest_${mode}_$round" 2xx "$WITHOUT_TOKEN" /api/v2/auth/999
        run "refused_${mode}_$round" 401 "$WITHOUT_TOKEN" /api/v2/auth/998
        run "cookie_${mode}_$round" 2xx "$WITH_TOKEN" /api/v2/auth/998
    done
    if [ "$mode" = "${MODES%% *}" ]; then
        # The server's ceiling: more connections and a second wrk thread must
        # not raise /healthz's rate.
        run "healthz_${mode}_2x" 2xx "$WITH_TOKEN" /healthz 1 $((2 * CONNECTIONS))
        run "healthz_${mode}_4x" 2xx "$WITH_TOKEN" /healthz 2 $((4 * CONNECTIONS))
    fi
    echo
    echo "Medians over the rounds:"
    echo
    echo "| request | requests/s | server CPU per request (µs) | vs /healthz (requests/s) | vs /healthz (CPU per request) |"
    echo "|---|---|---|---|---|"
    for row in healthz guest refused cookie; do
        cat "$WORK/${row}_${mode}"_[0-9]*.num | median >"$WORK/$row.median"
    done
    read -r h_rps h_us <"$WORK/healthz.median"
    for row in healthz guest refused cookie; do
        read -r rps us <"$WORK/$row.median"
        awk -v row="$row" -v r="$rps" -v u="$us" -v hr="$h_rps" -v hu="$h_us" 'BEGIN {
            printf "| %s | %.0f | %.2f | %.3f | %.3f |\n", row, r, u, r / hr, hu / u
        }'
    done
    read -r c_rps c_us <"$WORK/cookie.median"
    echo
    awk -v hr="$h_rps" -v hu="$h_us" -v cr="$c_rps" -v cu="$c_us" -v mode="$mode" 'BEGIN {
        r1 = cr / hr; r2 = hu / cu
        printf "Session check %s, valid cookie vs /healthz: requests/s %.3f, CPU per request %.3f (%.2f vs %.2f µs): target >= 0.8 %s\n",
            mode, r1, r2, cu, hu, (r1 >= 0.8 && r2 >= 0.8 ? "met" : "MISSED")
    }'
    grep -E '^(VmRSS|VmHWM)' "/proc/$SERVER_PID/status" | tr -s ' \t' ' ' | paste -sd ' ' | sed 's/^/forward-auth memory after the runs: /'
    stop_server
done
echo
echo "Afterwards: load average $(cut -d' ' -f1-3 /proc/loadavg); builders running: $(builders)"
