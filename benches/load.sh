#!/usr/bin/env bash
# Question 6: forward-auth under load.
#
# Starts forward-auth on loopback with a configured ORGANIZR_HASH, mints a
# session cookie for it with mint-token, then runs wrk for
# DURATION against
#   1. GET /api/v2/auth/4 with the valid cookie (token validated, level 4 checked,
#      identity headers written), and
#   2. GET /healthz on the same server (a plain 200 handler),
# both with the same realistic Cookie header (the token among ten other cookies),
# and prints requests/s, their ratio (target: >= 0.8) and the server's resident
# memory (VmRSS, VmHWM) after the runs. The server is stopped by its pid.
#
# Usage: benches/load.sh            (from anywhere; builds the two programs first)
# Environment: DURATION (10s), THREADS (1), CONNECTIONS (32), PORT (19090),
# SKIP_BUILD=1 to use the binaries already in target/release.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-19090}
BASE="http://127.0.0.1:$PORT"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
TARGET_DIR=${TARGET_DIR:-target}
BIN="$TARGET_DIR/release"

if ! command -v wrk >/dev/null; then
    echo "wrk not found: installing it (Debian package)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release -q -p forward-auth -p mint-token
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        # Bounded wait: escalate if it has not exited within 5 s.
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A configured instance: a random 48-character key and a fixed uuid.
ORGANIZR_HASH=$(head -c 36 /dev/urandom | base64 | tr '+/' '-_')
export ORGANIZR_HASH
export ORGANIZR_UUID=0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90
export ORGANIZR_LISTEN="127.0.0.1:$PORT"
export RUST_LOG=${RUST_LOG:-info}

TOKEN_COOKIE=$("$BIN/mint-token" --user alice --group 4 --email alice@example.org \
    --lifetime 1h --cookie)
OTHERS="_ga=GA1.1.1870392516.1731330146; _gid=GA1.1.207461234.1732012345; PHPSESSID=9f1c2b7d4e8a0c3f6b5d1e2a7c9f0b4d; organizrLanguage=en; theme=dark; grafana_session=5a3f9d2c7b1e4a6f8d0c2b9e7a5f3d1c; grafana_session_expiry=1732015945"
MORE="sonarr_auth=CfDJ8Nq3Xz7kYb2Lw9Vt4Hs6Rp1Mc5Gd0Jf8Ke2Ua7Yi3Ow9Bn; jellyfin_device_id=TW96aWxsYS81LjAgKFgxMTsgTGludXg; sidebar_collapsed=false"
COOKIE="Cookie: $OTHERS; $TOKEN_COOKIE; $MORE"

"$BIN/forward-auth" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

# Wait (at most 10 s) until it answers.
for _ in $(seq 100); do
    if curl -fs -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
auth_status=$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" "$BASE/api/v2/auth/4")
anon_status=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v2/auth/4")
if [ "$auth_status" != 200 ] || [ "$anon_status" != 401 ]; then
    echo "forward-auth answered $auth_status with the cookie, $anon_status without (want 200, 401)" >&2
    cat "$WORK/server.log" >&2
    exit 1
fi

run() { # name url
    echo "--- wrk -t$THREADS -c$CONNECTIONS -d$DURATION $2" >&2
    timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "$COOKIE" -H "Accept: text/html" -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0)" \
        "$2" | tee "$WORK/$1.txt" >&2
    local non2xx
    non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$WORK/$1.txt")
    if [ -n "$non2xx" ]; then
        echo "$1: $non2xx responses were not 2xx" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ { print $2 }' "$WORK/$1.txt"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
auth_rps=$(run auth "$BASE/api/v2/auth/4")
plain_rps=$(run healthz "$BASE/healthz")
auth_p50=$(awk '$1 == "50%" { print $2 }' "$WORK/auth.txt")
plain_p50=$(awk '$1 == "50%" { print $2 }' "$WORK/healthz.txt")

echo "forward-auth, valid cookie (/api/v2/auth/4): $auth_rps requests/s (p50 latency $auth_p50)"
echo "plain 200 handler (/healthz):                $plain_rps requests/s (p50 latency $plain_p50)"
awk -v a="$auth_rps" -v p="$plain_rps" 'BEGIN {
    r = a / p
    printf "ratio: %.3f (target >= 0.8: %s)\n", r, (r >= 0.8 ? "met" : "MISSED")
}'
grep -E '^(VmRSS|VmHWM)' "/proc/$SERVER_PID/status" | tr -s ' \t' ' ' | sed 's/^/forward-auth /'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
