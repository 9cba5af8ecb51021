#!/usr/bin/env bash
# Debian package check: builds the .deb with CPack, checks its files and maintainer scripts,
# verifies the systemd unit, installs the package with dpkg on this machine, runs the installed
# agent the way the unit does (the example configuration, a credential, $NOTIFY_SOCKET: READY=1,
# STATUS=, WATCHDOG=1, the status endpoint, STOPPING=1 on SIGTERM), then removes and purges the
# package and checks that nothing is left. Needs root or password-less sudo (dpkg), and a
# configured build/.
# Usage: deb.sh REPO_ROOT
set -euo pipefail

root="$(cd "${1:?usage: deb.sh REPO_ROOT}" && pwd)"
build="$root/build"
work="$(mktemp -d /tmp/flowwatch-deb.XXXXXX)"
unit=/lib/systemd/system/flowwatch.service
agent_pid=""
listener_pid=""

log() { printf '\033[1m--> deb [%3ds]: %s\033[0m\n' "$SECONDS" "$*" >&2; }
fail() {
    printf 'deb.sh: FAILED: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    local pid
    for pid in "$agent_pid" "$listener_pid"; do
        if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    done
    # Only a package this check installed is taken back out.
    if [[ -f $work/installed ]] && dpkg-query -W flowwatch >/dev/null 2>&1; then
        "${as_root[@]}" dpkg --purge flowwatch >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for tool in dpkg dpkg-deb systemd-analyze python3; do
    command -v "$tool" >/dev/null || fail "$tool is missing (packaging/ci/packages.txt lists it)"
done
# dpkg and /etc need root: this user, or sudo without a password.
as_root=()
if [[ $(id -u) -ne 0 ]]; then
    sudo -n true 2>/dev/null || fail "installing the package needs root or password-less sudo"
    as_root=(sudo -n)
fi
[[ -f $build/build.ninja ]] || fail "$build is not configured (packaging/dev.sh build)"
# The check installs and purges the package: it must not take over an installation it did not make.
if dpkg-query -W -f='${Status}' flowwatch 2>/dev/null | grep -q installed; then
    fail "a flowwatch package is already installed on this machine"
fi
for path in /etc/flowwatch /var/lib/flowwatch /var/lib/private/flowwatch; do
    [[ ! -e $path ]] || fail "$path exists before the install; remove it or run elsewhere"
done

# --- The package -------------------------------------------------------------------------------
log "building the package"
touch "$work/before-package"
flock /tmp/fw-build.lock cmake --build "$build" --target package >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log" >&2; fail "cmake --build build --target package"; }
# The package this build made, not one left from an earlier one.
deb="$(find "$build" -maxdepth 1 -name 'flowwatch_*.deb' -newer "$work/before-package" | head -n 1)"
[[ -n $deb && -f $deb ]] || fail "CPack made no new .deb in $build"
version="$(dpkg-deb -f "$deb" Version)"
log "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"

dpkg-deb -c "$deb" | awk '{print $NF}' >"$work/files"
for file in ./usr/bin/flowwatch ./lib/systemd/system/flowwatch.service \
    ./etc/flowwatch/flowwatch.json.example ./usr/share/doc/flowwatch/README.md; do
    grep -qxF "$file" "$work/files" || { cat "$work/files" >&2; fail "the package lacks $file"; }
done
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
    [[ -x $work/control/$script ]] || fail "the package has no executable $script"
done
[[ $(cat "$work/control/conffiles") == /etc/flowwatch/flowwatch.json.example ]] ||
    fail "conffiles is not exactly the example configuration"
dpkg-deb -f "$deb" Depends | grep -q 'libcpprest' || fail "Depends does not name cpprestsdk's library"
dpkg-deb -f "$deb" Depends | grep -q 'libjemalloc' || fail "Depends does not name jemalloc's library"

# --- Install -----------------------------------------------------------------------------------
log "dpkg -i (systemd $(if [[ -d /run/systemd/system ]]; then echo running; else echo not running; fi))"
touch "$work/installed"
"${as_root[@]}" dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i"; }
[[ $(flowwatch --version) == "flowwatch $version" ]] || fail "flowwatch --version: $(flowwatch --version)"
# Enabled: the [Install] symlink exists, made by deb-systemd-helper whether or not systemd runs.
wants=/etc/systemd/system/multi-user.target.wants/flowwatch.service
[[ $(readlink "$wants") == "$unit" ]] || fail "postinst did not enable flowwatch.service"
# Not started: there is no configuration yet, and postinst said what to do.
grep -q 'put a configuration in /etc/flowwatch/flowwatch.json' "$work/install.log" ||
    [[ ! -d /run/systemd/system ]] || fail "postinst did not say the unit waits for a configuration"
if [[ -d /run/systemd/system ]]; then
    if systemctl is-active --quiet flowwatch; then fail "postinst started an unconfigured unit"; fi
fi
[[ ! -e /etc/flowwatch/flowwatch.json ]] || fail "the package put a live configuration in place"

# --- The unit ----------------------------------------------------------------------------------
log "systemd-analyze verify $unit"
# verify exits 0 even for unknown keys or bad values, so its words are read: anything about our
# unit fails the check; lines about the host (no running systemd, missing host units) do not.
systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log" >&2; fail "verify"; }
if grep -E 'flowwatch' "$work/verify.log" >&2; then fail "systemd-analyze verify found problems"; fi
if [[ -s $work/verify.log ]]; then sed 's/^/    (host) /' "$work/verify.log" >&2; fi
for setting in Type=notify WatchdogSec= Restart=on-failure DynamicUser=yes \
    StateDirectory=flowwatch ConfigurationDirectory=flowwatch \
    LoadCredential=client_secret:/etc/flowwatch/client_secret NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes RestrictAddressFamilies= \
    SystemCallFilter=@system-service 'CapabilityBoundingSet=$'; do
    grep -Eq "^$setting" "$unit" || fail "the unit lacks $setting"
done
# systemd's own exposure score, 0 (locked down) to 10; the threshold is its scale times ten.
systemd-analyze security --offline=yes --threshold=20 "$unit" >"$work/security.log" 2>&1 ||
    { tail -n 30 "$work/security.log" >&2; fail "the unit's exposure is above 2.0"; }
log "$(grep -o 'Overall exposure level.*' "$work/security.log")"

# --- The installed agent, run as the unit runs it ----------------------------------------------
log "the example configuration with the real loader"
# The example as installed, with its paths moved into this check's directory and the Microsoft
# endpoints pointed at a closed loopback port: the check touches neither /var/lib nor the network.
state="$work/state"
mkdir -p "$state" "$work/credentials"
status_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sed -e "s|/var/lib/flowwatch/|$state/|g" -e "s|127.0.0.1:9464|127.0.0.1:$status_port|" \
    -e 's|"cloud": "commercial",|&\n"login_endpoint": "http://127.0.0.1:9", "api_endpoint": "http://127.0.0.1:9",|' \
    /etc/flowwatch/flowwatch.json.example >"$work/flowwatch.json"
grep -q "$state/flowwatch.db" "$work/flowwatch.json" || fail "the example's database path moved"
# Without systemd's credential the loader stops at the secret, and says where it looks for it.
set +e
(cd "$state" && env -u CREDENTIALS_DIRECTORY flowwatch once --config "$work/flowwatch.json") \
    >"$work/once.log" 2>&1
once_exit=$?
set -e
if ((once_exit != 2)) || ! grep -q 'CREDENTIALS_DIRECTORY' "$work/once.log"; then
    cat "$work/once.log" >&2
    fail "flowwatch once did not stop at the missing credential"
fi

log "flowwatch run under a notify socket"
printf 'not-a-real-secret' >"$work/credentials/client_secret"
notify_socket="$work/notify.sock"
# Records each assignment the agent sends (a datagram may carry several, one a line), as systemd
# reads them.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as out:
    print("LISTENING", file=out)
    while True:
        for line in s.recv(4096).decode().splitlines():
            print(line, file=out)
' "$notify_socket" "$work/notify.log" &
listener_pid=$!

# Waits until `file` has a line matching `pattern`, up to a deadline.
wait_for_line() {  # file, extended regex, seconds, what
    local deadline=$((SECONDS + $3))
    until grep -Eq "$2" "$1" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            cat "$1" "$work/run.log" >&2 2>/dev/null || true
            fail "no $4 within $3 s"
        fi
        sleep 0.1  # poll interval, not synchronisation: the loop waits on the line itself
    done
}
wait_for_line "$work/notify.log" '^LISTENING$' 10 "notify listener"

(cd "$state" && exec env NOTIFY_SOCKET="$notify_socket" WATCHDOG_USEC=2000000 \
    CREDENTIALS_DIRECTORY="$work/credentials" flowwatch run --config "$work/flowwatch.json") \
    >"$work/run.log" 2>&1 &
agent_pid=$!
wait_for_line "$work/notify.log" '^READY=1$' 30 "READY=1"
wait_for_line "$work/notify.log" '^STATUS=polling 1 tenant' 60 "STATUS= line"
wait_for_line "$work/notify.log" '^WATCHDOG=1$' 30 "WATCHDOG=1"
set +e
flowwatch status --config "$work/flowwatch.json" >"$work/status.log" 2>&1
status_exit=$?
set -e
# 0 ready, 3 up but not ready (the login fails against the closed port); anything else: no answer.
((status_exit == 0 || status_exit == 3)) ||
    { cat "$work/status.log" "$work/run.log" >&2; fail "flowwatch status: exit $status_exit"; }
if grep -F 'not-a-real-secret' "$work/run.log" "$work/status.log" "$work/notify.log"; then
    fail "the client secret appeared in the agent's output"
fi

kill -TERM "$agent_pid"
set +e
wait "$agent_pid"
run_exit=$?
set -e
agent_pid=""
((run_exit == 0)) || { cat "$work/run.log" >&2; fail "flowwatch run exited $run_exit after SIGTERM"; }
grep -q '^STOPPING=1$' "$work/notify.log" || fail "no STOPPING=1 on SIGTERM"
kill "$listener_pid"
listener_pid=""

# --- Remove and purge --------------------------------------------------------------------------
log "dpkg -r, then dpkg --purge"
# What an administrator adds, which only a purge takes away.
printf '{}\n' | "${as_root[@]}" install -m 0644 /dev/stdin /etc/flowwatch/flowwatch.json
"${as_root[@]}" install -m 0600 /dev/null /etc/flowwatch/client_secret
"${as_root[@]}" dpkg -r flowwatch >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r"; }
[[ ! -e /usr/bin/flowwatch && ! -e $unit ]] || fail "dpkg -r left the binary or the unit"
[[ -f /etc/flowwatch/flowwatch.json.example ]] || fail "dpkg -r removed a conffile"
"${as_root[@]}" dpkg --purge flowwatch >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
rm -f "$work/installed"
if dpkg-query -W -f='${Status}' flowwatch 2>/dev/null | grep -q 'ok'; then
    fail "dpkg still knows flowwatch after the purge"
fi
leftovers="$(find /etc /lib/systemd /usr/lib/systemd /usr/bin /usr/share/doc /var/lib \
    -name '*flowwatch*' 2>/dev/null || true)"
[[ -z $leftovers ]] || fail "the purge left: $leftovers"

log "the package installs, runs as its unit would, and leaves nothing behind"
