#!/usr/bin/env bash
# End-to-end tests of forward-auth and the example apps behind real reverse
# proxies.
#
#   bash examples/forward-auth/e2e/run.sh
#
# Starts, on loopback and free high ports:
#   forward-auth            Organizr's auth API stand-in (key from a config.php),
#                           believing 127.0.0.1 (nginx, Caddy) about client
#                           addresses, redirecting browsers of 127.0.0.1
#   axum-app (socket)       on a UNIX socket that only nginx uses, trusts "@"
#   axum-app (tcp)          the same configuration on TCP: what a client that
#                           goes around nginx reaches
#   actix-app (socket)      on a UNIX socket that only Caddy uses, trusts "@"
#   actix-app (tcp)         the same, on TCP, around Caddy
#   axum-app (dual-stack)   on [::], when the host has IPv6
#   nginx                   deploy/nginx.conf   -> axum-app (socket)
#   caddy                   deploy/Caddyfile    -> actix-app (socket)
# then checks with curl that valid sessions get through, anonymous and
# too-low requests are refused, identity headers sent by a client never
# reach an app as an identity (not through either proxy, not sent straight to
# the apps), allow and deny lists hold whatever X-Forwarded-For a client
# sends, and browsers are redirected to the login page with an encoded
# return=. The proxies run the files of deploy/ themselves: only the lines
# marked "e2e:" (ports, socket paths, the example networks) are swapped.
# Extra client addresses come from curl --interface 127.0.0.3 / 127.0.0.4
# (all of 127.0.0.0/8 is loopback on Linux). Prints "N passed, M failed"
# last, and exits non-zero on any failure.
#
# Needs: cargo, curl, nginx, caddy (2.5.1+). Missing nginx/caddy/curl are
# installed with apt-get when running as root (CI: Debian 12); otherwise the
# script stops and says what to install.
#
# Environment:
#   E2E_TIME_LIMIT      seconds for everything after the build (default 300)
#   E2E_BUILD_TIMEOUT   seconds for the cargo build (default 1800)
#   E2E_BIN_DIR         use the programs in this folder instead of building
#                       them (set by tests/e2e.rs, which `cargo test` runs)
#   E2E_KEEP=1          keep the work directory (logs, generated configs)
#   RUST_LOG            the programs' log level (default info), logs are in
#                       the work directory and printed on failure

set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEPLOY_DIR=$(cd "$E2E_DIR/../deploy" && pwd)
ROOT=$(cd "$E2E_DIR/../../.." && pwd)
TIME_LIMIT=${E2E_TIME_LIMIT:-300}
BUILD_TIMEOUT=${E2E_BUILD_TIMEOUT:-1800}
READY_TIMEOUT=30

PASSED=0
FAILED=0
FAILURES=()
PIDS=()
NAMES=()
WATCHDOG=""
WORK=""
SUMMARY_DONE=0

log() { printf 'e2e: %s\n' "$*" >&2; }

# --- results ------------------------------------------------------------------

pass() {
    PASSED=$((PASSED + 1))
    printf 'ok    %s\n' "$1"
}

fail() {
    FAILED=$((FAILED + 1))
    FAILURES+=("$1")
    printf 'FAIL  %s\n' "$1"
    shift
    local line
    for line in "$@"; do printf '        %s\n' "$line"; done
}

summary() {
    [ "$SUMMARY_DONE" = 1 ] && return 0
    SUMMARY_DONE=1
    if [ "$FAILED" -gt 0 ]; then
        echo
        echo "failed:"
        printf '  %s\n' "${FAILURES[@]}"
        show_logs
    fi
    echo
    echo "$PASSED passed, $FAILED failed"
}

show_logs() {
    [ -n "$WORK" ] && [ -d "$WORK/logs" ] || return 0
    local f
    for f in "$WORK"/logs/*.log; do
        [ -s "$f" ] || continue
        echo "--- last lines of ${f##*/}"
        tail -n 15 "$f" | sed 's/^/    /'
    done
}

# --- processes ----------------------------------------------------------------

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$WATCHDOG" ]; then kill "$WATCHDOG" 2>/dev/null || true; fi
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    # Give them 5 s to stop cleanly, then insist.
    local waited=0
    for pid in "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "$SUMMARY_DONE" != 1 ]; then
        # Stopped early: a setup step failed, or the time limit hit.
        fail "the run did not complete (exit status $rc)"
        summary
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
    fi
    if [ "$FAILED" -gt 0 ] && [ "$rc" = 0 ]; then rc=1; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "stopped: time limit of ${TIME_LIMIT}s reached, or terminated"; exit 124' TERM

# start NAME COMMAND... : runs in the background, output to $WORK/logs/NAME.log.
# COMMAND must be a program (not a shell function), so that $! is its pid.
start() {
    local name=$1
    shift
    "$@" >"$WORK/logs/$name.log" 2>&1 &
    PIDS+=("$!")
    NAMES+=("$name")
}

pid_of() {
    local i
    for i in "${!NAMES[@]}"; do
        if [ "${NAMES[$i]}" = "$1" ]; then
            echo "${PIDS[$i]}"
            return 0
        fi
    done
    return 1
}

# wait_ready NAME CURL_ARGS... : until the process answers HTTP (any status),
# at most READY_TIMEOUT seconds; fails early if it exits.
wait_ready() {
    local name=$1 pid
    shift
    pid=$(pid_of "$name")
    local deadline=$((SECONDS + READY_TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "$name exited during start-up"
            return 1
        fi
        if curl -s -o /dev/null --max-time 1 "$@"; then return 0; fi
        sleep 0.2
    done
    log "$name did not answer within ${READY_TIMEOUT}s"
    return 1
}

# free_port VAR : a TCP port nobody listens on, below Linux's ephemeral range.
USED_PORTS=" "
free_port() {
    local p _
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        case "$USED_PORTS" in *" $p "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            USED_PORTS="$USED_PORTS$p "
            printf -v "$1" '%s' "$p"
            return 0
        fi
    done
    log "no free port found"
    return 1
}

# --- requests and checks ------------------------------------------------------

# request CURL_ARGS... : sets STATUS, BODY and HEADERS (the answer's header
# lines, names lower-cased, CR removed).
request() {
    STATUS=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 10 "$@") || STATUS="curl-exit-$?"
    BODY=$(cat "$WORK/body" 2>/dev/null || true)
    HEADERS=$(tr -d '\r' <"$WORK/headers" 2>/dev/null | awk -F': ' 'NF > 1 { printf "%s: %s\n", tolower($1), substr($0, length($1) + 3) }' || true)
}

# header NAME : the value of header NAME (lower-case) in HEADERS, if any.
header() {
    printf '%s\n' "$HEADERS" | awk -v n="$1: " 'index($0, n) == 1 { print substr($0, length(n) + 1); exit }'
}

# expect NAME STATUS [has=TEXT]... [lacks=TEXT]... [hdr=NAME=VALUE]... [nohdr=NAME]... -- CURL_ARGS...
#   One request; passes when the status is STATUS, the body contains every
#   has= text and none of the lacks= texts, the answer's header NAME
#   (lower-case) is exactly VALUE for every hdr=, and absent for every nohdr=.
expect() {
    local name=$1 want=$2
    shift 2
    local has=() lacks=() hdrs=() nohdrs=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        case $1 in
            has=*) has+=("${1#has=}") ;;
            lacks=*) lacks+=("${1#lacks=}") ;;
            hdr=*) hdrs+=("${1#hdr=}") ;;
            nohdr=*) nohdrs+=("${1#nohdr=}") ;;
            *) log "expect: bad argument $1"; return 1 ;;
        esac
        shift
    done
    shift
    request "$@"
    local problems=() t got
    [ "$STATUS" = "$want" ] || problems+=("status $STATUS, want $want")
    for t in "${has[@]+"${has[@]}"}"; do
        [[ "$BODY" == *"$t"* ]] || problems+=("body lacks $t")
    done
    for t in "${lacks[@]+"${lacks[@]}"}"; do
        [[ "$BODY" != *"$t"* ]] || problems+=("body contains $t")
    done
    for t in "${hdrs[@]+"${hdrs[@]}"}"; do
        got=$(header "${t%%=*}")
        [ "$got" = "${t#*=}" ] || problems+=("header ${t%%=*}: '$got', want '${t#*=}'")
    done
    for t in "${nohdrs[@]+"${nohdrs[@]}"}"; do
        [ -z "$(header "$t")" ] || problems+=("header $t present: $(header "$t")")
    done
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$name"
    else
        fail "$name" "${problems[@]}" "body: ${BODY:0:300}"
    fi
}

# same NAME PATH CURL_ARGS... : axum-app and actix-app (tcp) answer PATH with
# the same status and the same body bytes.
same() {
    local name=$1 path=$2
    shift 2
    request "$@" "http://127.0.0.1:$AXUM_PORT$path"
    local s1=$STATUS b1=$BODY
    request "$@" "http://127.0.0.1:$ACTIX_PORT$path"
    if [ "$s1" = "$STATUS" ] && [ "$b1" = "$BODY" ]; then
        pass "$name"
    else
        fail "$name" "axum-app:  $s1 ${b1:0:200}" "actix-app: $STATUS ${BODY:0:200}"
    fi
}

# startup_fails NAME "PROGRAM [ARGS]" [has=TEXT]... [lacks=TEXT]... -- VAR=VALUE...
#   PROGRAM, started with only these variables, must stop at once with a
#   non-zero status, and its stderr must (not) contain the texts.
startup_fails() {
    local name=$1 command=()
    read -ra command <<<"$2"
    shift 2
    local has=() lacks=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        case $1 in
            has=*) has+=("${1#has=}") ;;
            lacks=*) lacks+=("${1#lacks=}") ;;
        esac
        shift
    done
    shift
    local rc=0 err
    env -i PATH="$PATH" HOME="$WORK" "$@" timeout 10 "$BIN/${command[0]}" "${command[@]:1}" >/dev/null 2>"$WORK/stderr" || rc=$?
    err=$(cat "$WORK/stderr")
    local problems=() t
    case $rc in
        0) problems+=("exited 0") ;;
        124) problems+=("did not stop: it started serving") ;;
    esac
    for t in "${has[@]+"${has[@]}"}"; do
        [[ "$err" == *"$t"* ]] || problems+=("stderr lacks $t")
    done
    for t in "${lacks[@]+"${lacks[@]}"}"; do
        [[ "$err" != *"$t"* ]] || problems+=("stderr contains $t")
    done
    if [ ${#problems[@]} -eq 0 ]; then
        pass "$name"
    else
        fail "$name" "${problems[@]}" "stderr: ${err:0:400}"
    fi
}

section() { printf '\n== %s\n' "$*"; }

# --- tools ----------------------------------------------------------------------

find_tool() {
    command -v "$1" 2>/dev/null && return 0
    # nginx lives in /usr/sbin, which is not on every user's PATH.
    if [ -x "/usr/sbin/$1" ]; then echo "/usr/sbin/$1"; return 0; fi
    return 1
}

missing=()
find_tool nginx >/dev/null || missing+=(nginx-light)
find_tool caddy >/dev/null || missing+=(caddy)
find_tool curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        log "missing ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) or run as root"
        exit 1
    fi
fi
NGINX=$(find_tool nginx)
CADDY=$(find_tool caddy)
log "$("$NGINX" -v 2>&1), caddy $("$CADDY" version | cut -d' ' -f1), $(curl --version | head -n1 | cut -d' ' -f1-2)"

# --- build ----------------------------------------------------------------------

# A debug build: it reuses what `cargo test` already compiled, and the tests
# need correctness, not speed.
if [ -n "${E2E_BIN_DIR:-}" ]; then
    # `cargo test` (tests/e2e.rs) already built the programs.
    BIN="$E2E_BIN_DIR"
else
    log "building the programs"
    (cd "$ROOT" && timeout "$BUILD_TIMEOUT" cargo build --quiet -p forward-auth -p axum-app -p actix-app -p mint-token)
    TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    BIN="$TARGET_DIR/debug"
fi
for program in forward-auth axum-app actix-app mint-token; do
    [ -x "$BIN/$program" ] || { log "missing $BIN/$program after the build"; exit 1; }
done

# From here on, everything is bounded in time.
(
    trap 'kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$TIME_LIMIT" &
    sleeper=$!
    wait "$sleeper"
    kill -TERM $$
) &
WATCHDOG=$!

# --- set-up -----------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/organizr-e2e.XXXXXX")
# nginx's workers run as nobody when the master runs as root.
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/nginx" "$WORK/caddy"

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KEY=$(random_hex 32)
UUID="$(random_hex 4)-$(random_hex 2)-4$(random_hex 2 | cut -c2-4)-8$(random_hex 2 | cut -c2-4)-$(random_hex 6)"
API_KEY=$(random_hex 10)
SECRET_MARKER="e2e-secret-marker-$(random_hex 8)"

# Organizr's own config file, as forward-auth reads it in production.
cat >"$WORK/config.php" <<EOF
<?php
return array(
	'uuid' => '$UUID',
	'organizrHash' => '$KEY',
	'organizrAPI' => '$API_KEY',
	'branch' => 'v2-master',
);
EOF
# The apps read the same key from a file (ORGANIZR_HASH_FILE), as from a
# Docker secret.
printf '%s\n' "$KEY" >"$WORK/organizr_hash"
chmod 600 "$WORK/config.php" "$WORK/organizr_hash"

free_port FA_PORT
free_port AXUM_PORT
free_port ACTIX_PORT
free_port DUAL_PORT
free_port NGINX_PORT
free_port CADDY_PORT
ACTIX_SOCKET="$WORK/actix-app.sock"
AXUM_SOCKET="$WORK/axum-app.sock"
# The example networks of the deploy files, as the e2e clients reach the
# proxies: curl --interface 127.0.0.3 is "home", 127.0.0.4 "guest".
HOME_IP=127.0.0.3
GUEST_IP=127.0.0.4
LOGIN_URL="https://organizr.example/"

mint() { env -i PATH="$PATH" HOME="$WORK" "$BIN/mint-token" --config-php "$WORK/config.php" --cookie "$@" 2>>"$WORK/logs/mint-token.log"; }
ALICE=$(mint --user alice --group 4 --email alice@example.org --user-id 2)
ADMIN=$(mint --user admin --group 0 --email admin@example.org)
# No e-mail: forward-auth's answer then has no Remote-Email header.
BOB=$(mint --user bob --group 12)
FORGED=$(env -i PATH="$PATH" HOME="$WORK" ORGANIZR_HASH="another-instance-key-0123456789abcdef" ORGANIZR_UUID="$UUID" \
    "$BIN/mint-token" --user admin --group 0 --cookie 2>>"$WORK/logs/mint-token.log")

# A clean environment for each server. An array, not a function: `start` must
# get the server's own pid (env execs it), so that cleanup can stop it.
RUN_ENV=(env -i PATH="$PATH" HOME="$WORK" RUST_LOG="${RUST_LOG:-info}")
# What every app gets: the key from a file, the uuid, and the group header that
# nginx and Caddy fill from forward-auth's X-Organizr-Group answer.
APP_ENV=(ORGANIZR_HASH_FILE="$WORK/organizr_hash" ORGANIZR_UUID="$UUID" ORGANIZR_PROXY_GROUP_HEADER=X-Organizr-Group)

# forward-auth as the deploy files run it: it trusts no proxy for identities
# (the subrequest carries the client's headers), believes nginx and Caddy
# (127.0.0.1) about client addresses, and redirects refused browsers of the
# proxies' host (127.0.0.1) to the login URL.
start forward-auth "${RUN_ENV[@]}" ORGANIZR_CONFIG_PHP="$WORK/config.php" ORGANIZR_LISTEN="127.0.0.1:$FA_PORT" \
    ORGANIZR_REAL_IP_FROM=127.0.0.1 ORGANIZR_LOGIN_URL="$LOGIN_URL" ORGANIZR_REDIRECT_HOSTS=127.0.0.1 \
    "$BIN/forward-auth"
# A proxy's address is no identity: any local process can connect from
# 127.0.0.1 (or bind 127.0.0.2). So each app behind a proxy listens on a UNIX
# socket that only that proxy uses, and trusts "@" (UNIX-socket peers) only.
# A second instance of each with the same configuration on TCP is what a
# client reaches when it goes around the proxy: its TCP peers are never
# trusted.
start axum-app-socket "${RUN_ENV[@]}" "${APP_ENV[@]}" ORGANIZR_TRUSTED_PROXIES=@ \
    ORGANIZR_LISTEN="unix:$AXUM_SOCKET" "$BIN/axum-app"
start axum-app-tcp "${RUN_ENV[@]}" "${APP_ENV[@]}" ORGANIZR_TRUSTED_PROXIES=@ \
    ORGANIZR_LISTEN="127.0.0.1:$AXUM_PORT" "$BIN/axum-app"
start actix-app-socket "${RUN_ENV[@]}" "${APP_ENV[@]}" ORGANIZR_TRUSTED_PROXIES=@ \
    ORGANIZR_LISTEN="unix:$ACTIX_SOCKET" "$BIN/actix-app"
start actix-app-tcp "${RUN_ENV[@]}" "${APP_ENV[@]}" ORGANIZR_TRUSTED_PROXIES=@ \
    ORGANIZR_LISTEN="127.0.0.1:$ACTIX_PORT" "$BIN/actix-app"
# Dual-stack: IPv4 peers arrive as ::ffff:127.0.0.2 and must still match the
# IPv4 entry. Only where loopback has IPv6 (::1). (A test of address
# matching, not a recipe: see above for why a loopback address is no proxy
# identity.)
DUAL=0
if grep -qs '^00000000000000000000000000000001 ' /proc/net/if_inet6; then
    DUAL=1
    start axum-app-dual "${RUN_ENV[@]}" "${APP_ENV[@]}" ORGANIZR_TRUSTED_PROXIES=127.0.0.2 \
        ORGANIZR_LISTEN="[::]:$DUAL_PORT" "$BIN/axum-app"
fi

# nginx: the documented site, with the e2e addresses on the lines marked
# "e2e:". Run as root, nginx's workers would be nobody, who cannot open the
# app's socket (made by root here); in production the socket's group is
# nginx's (see deploy/nginx.conf).
NGINX_USER=""
if [ "$(id -u)" = 0 ]; then NGINX_USER="user root;"; fi
sed -e "s#@WORK@#$WORK#g" -e "s#@USER@#$NGINX_USER#" "$E2E_DIR/nginx-main.conf.template" >"$WORK/nginx/nginx.conf"
sed -e "s#server 127.0.0.1:9090;  \# e2e: forward-auth#server 127.0.0.1:$FA_PORT;#" \
    -e "s#server unix:/run/organizr-auth/axum-app.sock;  \# e2e: axum-app#server unix:$AXUM_SOCKET;#" \
    -e "s#listen 80;  \# e2e: nginx#listen 127.0.0.1:$NGINX_PORT;#" \
    -e "s#/deny/192.168.50.0/24;  \# e2e: guest-network#/deny/$GUEST_IP;#" \
    -e "s#/allow/192.168.1.0/24;  \# e2e: home-network#/allow/$HOME_IP;#" \
    "$DEPLOY_DIR/nginx.conf" >"$WORK/nginx/site.conf"
for wanted in "server 127.0.0.1:$FA_PORT;" "server unix:$AXUM_SOCKET;" "listen 127.0.0.1:$NGINX_PORT;" \
    "/deny/$GUEST_IP;" "/allow/$HOME_IP;"; do
    grep -qF "$wanted" "$WORK/nginx/site.conf" || { log "deploy/nginx.conf changed: could not set '$wanted'"; exit 1; }
done
if grep -n ';  # e2e:' "$WORK/nginx/site.conf" >&2; then log "deploy/nginx.conf has e2e: lines this script does not set"; exit 1; fi
NGINX_ARGS=(-p "$WORK/nginx" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf")
"$NGINX" -t -q "${NGINX_ARGS[@]}" 2>"$WORK/logs/nginx-test.log" || {
    cat "$WORK/logs/nginx-test.log" >&2
    exit 1
}
start nginx "$NGINX" "${NGINX_ARGS[@]}"

# Caddy: the documented Caddyfile, its placeholders filled from the
# environment, plus a bind to loopback.
sed '/^{\$SITE_ADDRESS/a\	bind 127.0.0.1' "$DEPLOY_DIR/Caddyfile" >"$WORK/caddy/Caddyfile"
start caddy env -i PATH="$PATH" HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" \
    CADDY_ADMIN=off SITE_ADDRESS="http://127.0.0.1:$CADDY_PORT" ORGANIZR_AUTH="127.0.0.1:$FA_PORT" \
    APP_UPSTREAM="unix/$ACTIX_SOCKET" HOME_NETWORKS="$HOME_IP" GUEST_NETWORKS="$GUEST_IP" \
    "$CADDY" run --config "$WORK/caddy/Caddyfile" --adapter caddyfile

wait_ready forward-auth "http://127.0.0.1:$FA_PORT/healthz"
wait_ready axum-app-socket --unix-socket "$AXUM_SOCKET" "http://localhost/public"
wait_ready axum-app-tcp "http://127.0.0.1:$AXUM_PORT/public"
wait_ready actix-app-socket --unix-socket "$ACTIX_SOCKET" "http://localhost/public"
wait_ready actix-app-tcp "http://127.0.0.1:$ACTIX_PORT/public"
if [ "$DUAL" = 1 ]; then wait_ready axum-app-dual "http://127.0.0.1:$DUAL_PORT/public"; fi
wait_ready nginx "http://127.0.0.1:$NGINX_PORT/public"
wait_ready caddy "http://127.0.0.1:$CADDY_PORT/public"
log "all servers up (forward-auth :$FA_PORT, axum-app :$AXUM_PORT and $AXUM_SOCKET, actix-app :$ACTIX_PORT and $ACTIX_SOCKET, nginx :$NGINX_PORT, caddy :$CADDY_PORT)"

NGX="http://127.0.0.1:$NGINX_PORT"
CDY="http://127.0.0.1:$CADDY_PORT"
AX="http://127.0.0.1:$AXUM_PORT"
AC="http://127.0.0.1:$ACTIX_PORT"
FA="http://127.0.0.1:$FA_PORT"

# --- forward-auth on its own ------------------------------------------------------

section "forward-auth"
expect "forward-auth: healthz" 200 -- "$FA/healthz"
expect "forward-auth: admin cookie on level 0 is 200" 200 -- -H "Cookie: $ADMIN" "$FA/api/v2/auth/0"
expect "forward-auth: no credential is 401" 401 -- "$FA/api/v2/auth/0"
expect "forward-auth: user on level 0 is 403" 403 -- -H "Cookie: $ALICE" "$FA/api/v2/auth/0"
expect "forward-auth: level 999 admits anonymous" 200 -- "$FA/api/v2/auth/999"
expect "forward-auth: Organizr v2 query form" 200 -- -H "Cookie: $ALICE" "$FA/api/v2/auth?group=4"
expect "forward-auth: Organizr v1 query form" 403 -- -H "Cookie: $ALICE" "$FA/api/?v1/auth&group=1"
expect "forward-auth: /auth/{group} with POST" 200 -- -X POST -H "Cookie: $ALICE" "$FA/auth/998"
for bad in abc 1000 -1 1.5 0x1; do
    expect "forward-auth: group '$bad' is 400" 400 -- -H "Cookie: $ADMIN" "$FA/api/v2/auth/$bad"
done
expect "forward-auth: a browser without X-Forwarded-* headers gets 401" 401 nohdr=location -- -H "Accept: text/html" "$FA/api/v2/auth/998"
expect "forward-auth: a browser of a listed host is redirected, return= encoded" 302 \
    "hdr=location=${LOGIN_URL}?return=https%3A%2F%2F127.0.0.1%3A8443%2Fa%3Fb%3D1%26c%3D2" -- \
    -H "Accept: text/html" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: 127.0.0.1:8443" -H "X-Forwarded-Uri: /a?b=1&c=2" "$FA/api/v2/auth/998"
expect "forward-auth: a browser of another host gets 401, its host never in Location" 401 nohdr=location -- \
    -H "Accept: text/html" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: evil.example" -H "X-Forwarded-Uri: /" "$FA/api/v2/auth/998"
expect "forward-auth: an API client gets 401" 401 nohdr=location -- \
    -H "Accept: application/json" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: 127.0.0.1" -H "X-Forwarded-Uri: /" "$FA/api/v2/auth/998"
expect "forward-auth: Organizr's JSON" 200 'has="result":"success"' 'has="message":"User is authorized"' 'has="user":"alice"' \
    'has="user_ip":"127.0.0.2"' 'has="requested_group":4' hdr=content-type=application/json\;charset=UTF-8 -- \
    --interface 127.0.0.2 -H "Cookie: $ALICE" "$FA/api/v2/auth/4"
expect "forward-auth: a listed peer that reports no address is an unknown client" 200 'has="user_ip":"unknown"' -- \
    -H "Cookie: $ALICE" "$FA/api/v2/auth/4"
expect "forward-auth: a query deny list on a path route is kept" 403 'has="message":"User is blacklisted"' -- \
    -H "Cookie: $ADMIN" "$FA/api/v2/auth/0?blacklist=127.0.0.1"
expect "forward-auth: a malformed list entry is a 400 naming it" 400 'has=bad_entry' -- -H "Cookie: $ADMIN" "$FA/api/v2/auth/0?blacklist=127.0.0.9,bad_entry"
expect "forward-auth: an unknown list type is Organizr's 401" 401 'has="message":"BoGus is not a valid type"' -- "$FA/api/v2/auth/0/BoGus/127.0.0.1"
# Client addresses: 127.0.0.1 (the proxies) is believed about them, nobody else.
expect "forward-auth: X-Forwarded-For from a listed peer counts" 200 'has="message":"User is whitelisted"' -- \
    -H "X-Forwarded-For: $HOME_IP" "$FA/api/v2/auth/0/allow/$HOME_IP"
expect "forward-auth: X-Forwarded-For from another peer is ignored" 401 'has="user_ip":"127.0.0.2"' -- \
    --interface 127.0.0.2 -H "X-Forwarded-For: $HOME_IP" "$FA/api/v2/auth/0/allow/$HOME_IP"
expect "forward-auth: Client-IP is never read" 401 -- --interface 127.0.0.2 -H "Client-IP: $HOME_IP" "$FA/api/v2/auth/0/allow/$HOME_IP"
expect "forward-auth: forged token is 401" 401 -- -H "Cookie: $FORGED" "$FA/api/v2/auth/998"
expect "forward-auth: untrusted Remote-User is ignored" 401 -- -H "Remote-User: admin" "$FA/api/v2/auth/998"
# The identity headers, exactly.
HEADERS=$(curl -s -D - -o /dev/null --max-time 10 -H "Cookie: $ALICE" "$FA/api/v2/auth/4" | tr -d '\r' | grep -iE '^(remote-|x-organizr-)' | tr 'A-Z' 'a-z' | sort | tr '\n' '|') || true
WANT="remote-email: alice@example.org|remote-groups: user|remote-user: alice|x-organizr-email: alice@example.org|x-organizr-group: 4|x-organizr-user: alice|"
if [ "$HEADERS" = "$WANT" ]; then pass "forward-auth: 200 carries exactly the six identity headers"; else fail "forward-auth: 200 carries exactly the six identity headers" "got  $HEADERS" "want $WANT"; fi

# --- nginx -> axum-app --------------------------------------------------------------

section "nginx auth_request -> axum-app (UNIX socket)"
expect "nginx: a valid cookie reaches the app as that user" 200 'has="username":"alice"' 'has="group_id":4' -- -H "Cookie: $ALICE" "$NGX/me"
expect "nginx: the app sees nginx's Remote-User from forward-auth" 200 'has="remote-user":["alice"]' 'has="x-organizr-group":["4"]' -- -H "Cookie: $ALICE" "$NGX/echo-headers"
expect "nginx: a user without e-mail gets no e-mail headers" 200 'has="remote-user":["bob"]' 'has="x-organizr-group":["12"]' 'lacks="remote-email"' 'lacks="x-organizr-email"' -- \
    -H "Cookie: $BOB" "$NGX/echo-headers"
expect "nginx: no cookie is 401" 401 nohdr=location -- "$NGX/me"
expect "nginx: a browser without cookie is sent to the login page, return= encoded" 302 \
    "hdr=location=${LOGIN_URL}?return=http%3A%2F%2F127.0.0.1%3A${NGINX_PORT}%2Fme%3Fx%3D1%26y%3Da%2Bb" -- \
    -H "Accept: text/html,application/xhtml+xml" "$NGX/me?x=1&y=a+b"
expect "nginx: an API client without cookie gets 401" 401 nohdr=location -- -H "Accept: application/json" "$NGX/me?x=1"
expect "nginx: a user on an admin page is not sent to the login page (403)" 403 nohdr=location -- -H "Accept: text/html" -H "Cookie: $ALICE" "$NGX/admin"
expect "nginx: a forged token is 401" 401 -- -H "Cookie: $FORGED" "$NGX/me"
expect "nginx: user on an admin location is 403 (forward-auth)" 403 -- -H "Cookie: $ALICE" "$NGX/admin"
expect "nginx: user on /level/0 is 403 (the app)" 403 -- -H "Cookie: $ALICE" "$NGX/level/0"
expect "nginx: admin on the admin location is 200" 200 'has="username":"admin"' 'has="group_id":0' -- -H "Cookie: $ADMIN" "$NGX/admin"
expect "nginx: Organizr's API key is admin" 200 'has="username":"Organizr API"' -- -H "Token: $API_KEY" "$NGX/admin"
expect "nginx: public page for anyone" 200 -- "$NGX/public"
expect "nginx: spoofed Remote-User without cookie is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$NGX/admin"
expect "nginx: spoofed identity headers never reach the app" 200 'lacks="remote-' 'lacks="x-organizr' 'lacks=admin' -- \
    -H "Remote-User: admin" -H "Remote_User: admin" -H "X-Organizr-User: admin" -H "X-Organizr-Group: 0" -H "Remote-Groups: Admin" "$NGX/echo-headers"
expect "nginx: spoofed Remote-User next to a real cookie is overwritten" 200 'has="username":"alice"' -- -H "Cookie: $ALICE" -H "Remote-User: admin" "$NGX/me"
expect "nginx: spoofed X-Organizr-Group: 0 does not make a user admin" 403 -- -H "Cookie: $ALICE" -H "Remote-User: alice" -H "X-Organizr-Group: 0" "$NGX/level/0"
expect "nginx: the home network opens /lan/ without a cookie" 200 'lacks="remote-user"' -- --interface "$HOME_IP" "$NGX/lan/echo-headers"
expect "nginx: elsewhere, /lan/ needs a login" 401 -- "$NGX/lan/echo-headers"
expect "nginx: elsewhere, a signed-in user opens /lan/" 200 'has="remote-user":["alice"]' -- -H "Cookie: $ALICE" "$NGX/lan/echo-headers"
expect "nginx: a spoofed X-Forwarded-For (and X-Real-IP, Client-IP) changes nothing" 401 -- \
    -H "X-Forwarded-For: $HOME_IP" -H "X-Real-IP: $HOME_IP" -H "Client-IP: $HOME_IP" -H "Forwarded: for=$HOME_IP" "$NGX/lan/echo-headers"
expect "nginx: the guest network is refused the admin pages with a valid admin cookie" 403 nohdr=location -- \
    --interface "$GUEST_IP" -H "Accept: text/html" -H "Cookie: $ADMIN" "$NGX/admin"
expect "nginx: a spoofed X-Forwarded-For does not dodge the deny list" 403 -- \
    --interface "$GUEST_IP" -H "X-Forwarded-For: 127.0.0.1" -H "Cookie: $ADMIN" "$NGX/admin"

section "straight to axum-app (TCP), around nginx"
expect "axum-app direct: spoofed Remote-User on /admin is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$AX/admin"
expect "axum-app direct: spoofed Remote-User on /me is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$AX/me"
expect "axum-app direct: spoofed identity headers are removed" 200 'lacks="remote-' 'lacks="remote_' 'lacks="x-organizr' -- \
    -H "Remote-User: admin" -H "Remote_User: admin" -H "X-Organizr-User: admin" -H "X-Organizr-Group: 0" -H "Remote-Email: a@b" "$AX/echo-headers"
expect "axum-app direct: a cookie alone works" 200 'has="username":"alice"' 'has="source":"token"' -- -H "Cookie: $ALICE" "$AX/me"
expect "axum-app direct: /level/999 admits anonymous" 200 -- "$AX/level/999"
expect "axum-app direct: /level/abc is 400" 400 -- "$AX/level/abc"
expect "axum-app socket (nginx's side): Remote-User is believed (control)" 200 'has="username":"bob"' 'has="source":"proxy"' 'has="group_id":4' -- \
    --unix-socket "$AXUM_SOCKET" -H "Remote-User: bob" -H "X-Organizr-Group: 4" "http://localhost/me"
expect "axum-app direct: a spoofed Remote-User from 127.0.0.2 is not believed" 401 -- \
    --interface 127.0.0.2 -H "Remote-User: bob" -H "X-Organizr-Group: 4" "$AX/me"

# --- Caddy -> actix-app ---------------------------------------------------------------

section "Caddy forward_auth -> actix-app (UNIX socket)"
expect "caddy: a valid cookie reaches the app as that user" 200 'has="username":"alice"' 'has="group_id":4' -- -H "Cookie: $ALICE" "$CDY/me"
expect "caddy: the app sees the headers copied from forward-auth" 200 'has="remote-user":["alice"]' 'has="x-organizr-group":["4"]' -- -H "Cookie: $ALICE" "$CDY/echo-headers"
expect "caddy: a user without e-mail gets no e-mail headers (no placeholder text, Caddy < 2.9)" 200 'has="remote-user":["bob"]' 'has="x-organizr-group":["12"]' \
    'lacks="remote-email"' 'lacks="x-organizr-email"' 'lacks={http.' -- -H "Cookie: $BOB" "$CDY/echo-headers"
expect "caddy: no cookie is 401" 401 -- "$CDY/me"
expect "caddy: a forged token is 401" 401 -- -H "Cookie: $FORGED" "$CDY/me"
expect "caddy: user on the admin path is 403 (forward-auth)" 403 -- -H "Cookie: $ALICE" "$CDY/admin"
expect "caddy: user on /level/0 is 403 (the app)" 403 -- -H "Cookie: $ALICE" "$CDY/level/0"
expect "caddy: admin on the admin path is 200" 200 'has="username":"admin"' -- -H "Cookie: $ADMIN" "$CDY/admin"
expect "caddy: public page for anyone" 200 -- "$CDY/public"
expect "caddy: spoofed Remote-User without cookie is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$CDY/admin"
expect "caddy: spoofed identity headers never reach the app" 200 'lacks="remote-' 'lacks="remote_' 'lacks="x-organizr' 'lacks=admin' -- \
    -H "Remote-User: admin" -H "Remote_User: admin" -H "X-Organizr-User: admin" -H "X-Organizr-Group: 0" -H "Remote-Groups: Admin" "$CDY/echo-headers"
expect "caddy: spoofed Remote-User next to a real cookie is replaced" 200 'has="remote-user":["alice"]' 'lacks=admin' -- \
    -H "Cookie: $ALICE" -H "Remote-User: admin" "$CDY/echo-headers"
expect "caddy: spoofed X-Organizr-Group: 0 does not make a user admin" 403 -- -H "Cookie: $ALICE" -H "Remote-User: alice" -H "X-Organizr-Group: 0" "$CDY/level/0"
expect "caddy: the home network opens /lan/ without a cookie" 200 'lacks="remote-user"' -- --interface "$HOME_IP" "$CDY/lan/echo-headers"
expect "caddy: elsewhere, /lan/ needs a login" 401 -- "$CDY/lan/echo-headers"
expect "caddy: elsewhere, a signed-in user opens /lan/" 200 'has="remote-user":["alice"]' -- -H "Cookie: $ALICE" "$CDY/lan/echo-headers"
expect "caddy: a spoofed X-Forwarded-For (and X-Real-IP, Client-IP) changes nothing" 401 -- \
    -H "X-Forwarded-For: $HOME_IP" -H "X-Real-IP: $HOME_IP" -H "Client-IP: $HOME_IP" -H "Forwarded: for=$HOME_IP" "$CDY/lan/echo-headers"
expect "caddy: the guest network is refused the admin pages with a valid admin cookie" 403 nohdr=location -- \
    --interface "$GUEST_IP" -H "Accept: text/html" -H "Cookie: $ADMIN" "$CDY/admin"
expect "caddy: a spoofed X-Forwarded-For does not dodge the deny list" 403 -- \
    --interface "$GUEST_IP" -H "X-Forwarded-For: 127.0.0.1" -H "Cookie: $ADMIN" "$CDY/admin"
expect "caddy: a browser without cookie is sent to the login page, return= encoded" 302 \
    "hdr=location=${LOGIN_URL}?return=http%3A%2F%2F127.0.0.1%3A${CADDY_PORT}%2Fme%3Fx%3D1%26y%3Da%2Bb" -- \
    -H "Accept: text/html,application/xhtml+xml" "$CDY/me?x=1&y=a+b"
expect "caddy: an API client without cookie gets 401" 401 nohdr=location -- -H "Accept: application/json" "$CDY/me?x=1"
expect "caddy: a user on an admin page is not sent to the login page (403)" 403 nohdr=location -- -H "Accept: text/html" -H "Cookie: $ALICE" "$CDY/admin"
expect "actix-app socket (Caddy's side): Remote-User is believed (control)" 200 'has="username":"bob"' 'has="source":"proxy"' -- \
    --unix-socket "$ACTIX_SOCKET" -H "Remote-User: bob" -H "X-Organizr-Group: 4" "http://localhost/me"

section "straight to actix-app (TCP), around Caddy"
expect "actix-app direct: spoofed Remote-User on /admin is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$AC/admin"
expect "actix-app direct: spoofed Remote-User on /me is 401" 401 -- -H "Remote-User: admin" -H "X-Organizr-Group: 0" "$AC/me"
expect "actix-app direct: spoofed identity headers are removed" 200 'lacks="remote-' 'lacks="remote_' 'lacks="x-organizr' -- \
    -H "Remote-User: admin" -H "Remote_User: admin" -H "X-Organizr-User: admin" -H "X-Organizr-Group: 0" -H "Remote-Email: a@b" "$AC/echo-headers"
expect "actix-app direct: a cookie alone works" 200 'has="username":"alice"' 'has="source":"token"' -- -H "Cookie: $ALICE" "$AC/me"

# --- the two apps agree -----------------------------------------------------------------

section "axum-app and actix-app answer alike"
same "same: /me with a cookie" /me -H "Cookie: $ALICE"
same "same: /me anonymous (401)" /me
same "same: /admin as a user (403)" /admin -H "Cookie: $ALICE"
same "same: /admin as admin" /admin -H "Cookie: $ADMIN"
same "same: /level/4" /level/4 -H "Cookie: $ALICE"
same "same: /level/999 anonymous" /level/999
same "same: /level/1000 (400)" /level/1000
same "same: /public" /public
same "same: /echo-headers" /echo-headers -H "Host: example" -H "X-A: 1" -H "Remote-User: admin"

# --- dual stack -----------------------------------------------------------------------------

section "dual-stack listener ([::])"
if [ "$DUAL" = 1 ]; then
    DS="http://127.0.0.1:$DUAL_PORT"
    expect "dual-stack: IPv4 peer 127.0.0.2 (as ::ffff:127.0.0.2) is trusted" 200 'has="username":"bob"' -- \
        --interface 127.0.0.2 -H "Remote-User: bob" -H "X-Organizr-Group: 4" "$DS/me"
    expect "dual-stack: IPv4 peer 127.0.0.1 is not" 401 -- -H "Remote-User: bob" -H "X-Organizr-Group: 4" "$DS/me"
    expect "dual-stack: IPv6 peer ::1 is not" 401 -- -g -H "Remote-User: bob" -H "X-Organizr-Group: 4" "http://[::1]:$DUAL_PORT/me"
else
    echo "skip  dual-stack checks: no IPv6 loopback (::1) on this host"
fi

# --- start-up errors --------------------------------------------------------------------------

section "bad configurations stop the programs"
startup_fails "forward-auth: proxy entry proxy.lan" forward-auth 'has=ORGANIZR_TRUSTED_PROXIES="proxy.lan"' "lacks=$SECRET_MARKER" -- \
    ORGANIZR_HASH="$SECRET_MARKER" ORGANIZR_UUID="$UUID" ORGANIZR_TRUSTED_PROXIES=proxy.lan ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "axum-app: proxy entry 10.0.0.0/33" axum-app 'has=ORGANIZR_TRUSTED_PROXIES="10.0.0.0/33"' "lacks=$SECRET_MARKER" -- \
    ORGANIZR_HASH="$SECRET_MARKER" ORGANIZR_UUID="$UUID" ORGANIZR_TRUSTED_PROXIES=10.0.0.0/33 ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "actix-app: invalid header name" actix-app 'has=ORGANIZR_USER_HEADER="Remote User"' "lacks=$SECRET_MARKER" -- \
    ORGANIZR_HASH="$SECRET_MARKER" ORGANIZR_UUID="$UUID" ORGANIZR_USER_HEADER="Remote User" ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "forward-auth: empty secret" forward-auth 'has=ORGANIZR_HASH' 'has=empty' -- ORGANIZR_HASH= ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "axum-app: no secret" axum-app 'has=ORGANIZR_HASH_FILE' 'has=ORGANIZR_CONFIG_PHP' -- ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "actix-app: missing config.php" actix-app 'has=ORGANIZR_CONFIG_PHP' "has=$WORK/missing/config.php" -- \
    ORGANIZR_CONFIG_PHP="$WORK/missing/config.php" ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "axum-app: bad ORGANIZR_LISTEN" axum-app 'has=ORGANIZR_LISTEN="proxy.lan:80"' -- ORGANIZR_HASH="$SECRET_MARKER" ORGANIZR_UUID="$UUID" ORGANIZR_LISTEN=proxy.lan:80
startup_fails "forward-auth: a key but no uuid" forward-auth 'has=ORGANIZR_UUID is not set' 'has=organizr_token_<uuid>' "lacks=$SECRET_MARKER" -- \
    ORGANIZR_HASH="$SECRET_MARKER" ORGANIZR_LISTEN=127.0.0.1:0
startup_fails "mint-token: no key" "mint-token --user alice" 'has=ORGANIZR_HASH' --
# Core's warnings are visible at the default log level. The port is taken (by
# forward-auth), so the program stops right after building its configuration.
startup_fails "forward-auth: warns about a short key and 0.0.0.0/0" forward-auth 'has=shorter than 32 bytes' 'has=0.0.0.0/0' \
    'has=cannot listen' 'lacks=tiny-key' -- ORGANIZR_HASH=tiny-key ORGANIZR_UUID="$UUID" ORGANIZR_TRUSTED_PROXIES=0.0.0.0/0 ORGANIZR_LISTEN="127.0.0.1:$FA_PORT"

summary
