#!/usr/bin/env bash
# Windows service check: cross-compiles the service shell (agent/windows/) with mingw-w64, with
# the portable parts it links (the configuration loader and the core it needs) and the test
# stand-in for run_agent, and builds the MSI from packaging/windows/flowwatch.wxs with wixl. Then,
# in a throwaway Wine prefix, drives the service's whole lifecycle under Wine's service control
# manager twice: registered by `flowwatch service install`, and by the MSI (which runs
# `flowwatch service configure`). Each time: sc start -> RUNNING, sc stop -> STOPPED after the
# agent's stop path ran, and removal.
# Usage: windows.sh REPO_ROOT
set -euo pipefail

root="$(cd "${1:?usage: windows.sh REPO_ROOT}" && pwd)"
work="$(mktemp -d /tmp/flowwatch-windows.XXXXXX)"
export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko: the prefix needs neither, and asking for them would hang without a display.
export WINEDLLOVERRIDES="mscoree,mshtml="

log() { printf '\033[1m--> windows [%3ds]: %s\033[0m\n' "$SECONDS" "$*" >&2; }
fail() {
    printf 'windows.sh: FAILED: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    if [[ -d $WINEPREFIX ]]; then timeout 30 wineserver -k >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

for tool in x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-windmc x86_64-w64-mingw32-windres \
    wine wineserver wixl; do
    command -v "$tool" >/dev/null || fail "$tool is missing (packaging/ci/packages.txt lists it)"
done

# --- Cross-compile -----------------------------------------------------------------------------
# Debian's header-only libraries come from /usr/include one by one: the whole directory would
# put glibc's headers in front of mingw's.
log "cross-compiling flowwatch.exe (service shell + test stand-in) with mingw-w64"
mkdir -p "$work/include" "$work/obj"
for lib in nlohmann CLI fmt; do ln -s "/usr/include/$lib" "$work/include/$lib"; done
flags=(-std=c++23 -O0 -DFMT_HEADER_ONLY "-DFLOWWATCH_VERSION=\"windows-test\"" -I"$root"
    -isystem "$work/include")
warnings=(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wconversion -Wsign-conversion -Wdouble-promotion -Wformat=2
    -Wimplicit-fallthrough -Werror -Wno-missing-field-initializers)
# The shell is ours and held to the project's warnings; the portable parts compile as they are.
# TODO: this list follows agent/config.cpp's dependencies by hand; a CMake mingw toolchain
# build would follow them by itself once the agent's other libraries cross-build.
portable=(agent/config.cpp core/alert.cpp core/connector.cpp core/time.cpp)
jobs=0
# ccache, where there is one, makes a second run on the same machine cheap. It runs in the work
# directory with that as its base, so the throwaway directory's name does not reach the hash.
compiler=(x86_64-w64-mingw32-g++-posix)
if command -v ccache >/dev/null; then compiler=(env CCACHE_BASEDIR="$work" ccache "${compiler[@]}"); fi
compile() {  # source, extra flags...
    local source="$1"
    shift
    (cd "$work" && "${compiler[@]}" "${flags[@]}" "$@" -c "$root/$source" \
        -o "$work/obj/$(tr / _ <<<"${source%.cpp}").o") &
    # Two compilers at a time: the machine's cores are shared.
    if ((++jobs >= 2)); then
        wait -n || fail "compiling for Windows failed"
        ((jobs--))
    fi
}
for source in "$root"/agent/windows/*.cpp; do compile "${source#"$root"/}" "${warnings[@]}"; done
for source in "${portable[@]}"; do compile "$source"; done
while ((jobs > 0)); do
    wait -n || fail "compiling for Windows failed"
    ((jobs--))
done
(cd "$work/obj" && x86_64-w64-mingw32-windmc -h . -r . "$root/agent/windows/event_messages.mc" &&
    x86_64-w64-mingw32-windres event_messages.rc -O coff -o event_messages.res.o)
# GCC 12's C++23 <typeinfo> emits an inline type_info::operator== that mingw's static libstdc++
# also defines out of line (tinfo.o); both are the same comparison, so the linker may keep one.
x86_64-w64-mingw32-g++-posix -o "$work/flowwatch.exe" "$work"/obj/*.o -static \
    -Wl,--allow-multiple-definition -ladvapi32 -lshell32 -lole32 -luuid

# --- MSI ---------------------------------------------------------------------------------------
log "building the MSI with wixl"
# wixl takes sources relative to the .wxs, so the inputs are staged beside a copy of it.
mkdir -p "$work/msi"
cp "$root/packaging/windows/flowwatch.wxs" "$work/flowwatch.exe" \
    "$root/packaging/linux/flowwatch.json.example" "$work/msi/"
(cd "$work/msi" && timeout 120 wixl --arch x64 -D ExePath=flowwatch.exe \
    -D ExampleConfig=flowwatch.json.example -D Version=0.1.0 -o "$work/flowwatch.msi" flowwatch.wxs) ||
    fail "wixl rejected packaging/windows/flowwatch.wxs"
[[ -s $work/flowwatch.msi ]] || fail "wixl made no MSI"
msi_table() { msiinfo export "$work/flowwatch.msi" "$1" | tr -d '\r'; }
services="$(msi_table ServiceInstall)"
grep -Eq $'^FlowwatchService\tflowwatch\t.*\tNT SERVICE\\\\flowwatch\t\tservice run\t' <<<"$services" ||
    { printf '%s\n' "$services" >&2; fail "the MSI's ServiceInstall row is not the flowwatch service"; }
grep -q flowwatch <<<"$(msi_table ServiceControl)" || fail "the MSI has no ServiceControl row"
grep -Eq $'^ConfigureService\t3090\tFlowwatchExe\tservice configure' <<<"$(msi_table CustomAction)" ||
    fail "the MSI does not run service configure as a deferred, elevated action"

# --- Wine prefix -------------------------------------------------------------------------------
# Every Wine step is time-limited: a prefix that waits for a dialog nobody can click must fail the
# check, not hang it.
win() { timeout 60 wine "$@"; }

log "creating a throwaway Wine prefix"
timeout 180 wineboot --init >"$work/wineboot.log" 2>&1 ||
    { cat "$work/wineboot.log" >&2; fail "wineboot --init"; }
# Then one persistent Wine server, and so one services.exe, for the rest of the check. Creating
# the prefix can leave a second SCM behind, which makes sc answer at random; and without -p,
# each command that finds no server starts a fresh SCM that launches automatic services itself.
timeout 30 wineserver -k || true
timeout 30 wineserver -w || true
timeout 30 wineserver -p || fail "wineserver -p"
drive_c="$WINEPREFIX/drive_c"
state_dir="$drive_c/ProgramData/flowwatch"

sc_query() { win sc query flowwatch 2>/dev/null | tr -d '\r'; }
# Whether `sc query` matches a pattern. The answer is read whole first: grep -q leaving a pipe
# early would fail the pipeline under pipefail.
sc_shows() {  # extended regex
    local answer
    answer="$(sc_query)"
    grep -Eq "$1" <<<"$answer"
}

# Waits for the service to reach `state`, polling the SCM until a deadline.
wait_for_state() {  # state, seconds
    local state="$1" deadline=$((SECONDS + $2))
    until sc_shows "STATE +: +[0-9]+ +$state"; do
        if ((SECONDS >= deadline)); then
            sc_query >&2
            fail "service flowwatch did not reach $state within $2 s"
        fi
        sleep 0.2  # poll interval, not synchronisation: the loop waits on the state itself
    done
}

# Waits until the SCM no longer knows the service.
wait_for_removal() {  # seconds
    local deadline=$((SECONDS + $1))
    while win sc query flowwatch >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "service flowwatch still exists after $1 s"
        sleep 0.2  # poll interval, as above
    done
}

# Starts the installed service with the example configuration in place, stops it, and checks
# that the agent's stop path ran before the SCM saw STOPPED.
start_and_stop() {
    cp "$root/packaging/linux/flowwatch.json.example" "$state_dir/flowwatch.json"
    rm -f "$state_dir/standin-stop-ran.txt"
    win sc start flowwatch >"$work/start.log" 2>&1 || { cat "$work/start.log" >&2; fail "sc start"; }
    wait_for_state RUNNING 60
    sc_shows 'WIN32_EXIT_CODE +: +0 ' || { sc_query >&2; fail "the running service reports an error"; }
    [[ ! -e $state_dir/standin-stop-ran.txt ]] || fail "the stop path ran before the stop"

    win sc stop flowwatch >"$work/stop.log" 2>&1 || { cat "$work/stop.log" >&2; fail "sc stop"; }
    wait_for_state STOPPED 60
    [[ -f $state_dir/standin-stop-ran.txt ]] || fail "the agent's stop path did not run"
    sc_shows 'WIN32_EXIT_CODE +: +0 ' || { sc_query >&2; fail "service stopped with an error"; }
}

# --- The console and `flowwatch service install` -----------------------------------------------
install_dir="$drive_c/Program Files/flowwatch"
mkdir -p "$install_dir"
cp "$work/flowwatch.exe" "$install_dir/flowwatch.exe"
exe='C:\Program Files\flowwatch\flowwatch.exe'

log "flowwatch.exe --version"
version="$(win "$exe" --version | tr -d '\r')"
[[ $version == "flowwatch windows-test" ]] || fail "--version printed '$version'"

log "flowwatch service run from a console, without a configuration"
# Outside the SCM the dispatcher refuses the process and the agent runs in the foreground, where
# a missing configuration is the shell's configuration error, told on the console.
set +e
win "$exe" service run --config 'C:\missing\flowwatch.json' >"$work/foreground.log" 2>&1
foreground_exit=$?
set -e
((foreground_exit == 78)) || { cat "$work/foreground.log" >&2; fail "foreground exit $foreground_exit"; }
grep -q 'missing' "$work/foreground.log" || fail "the foreground run did not name the configuration"

log "flowwatch service install"
win "$exe" service install >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "service install"; }
tr -d '\r' <"$work/install.log"
# The state directory's ACL names the service SID; Windows derives it from the name (SHA-1 of
# the upper-cased UTF-16LE name as five sub-authorities), so it is known ahead of time.
grep -q 'S-1-5-80-4184746369-3010878122-3145851817-986043994-4292941109' "$work/install.log" ||
    fail "install did not report the expected service SID"
[[ -d $state_dir ]] || fail "install did not create %ProgramData%\\flowwatch"
# Wine's sc has no qc: read the service's registry key, which is what qc would show.
win reg query 'HKLM\System\CurrentControlSet\Services\flowwatch' 2>/dev/null | tr -d '\r' \
    >"$work/service-key.log" || true
expect_key() {  # extended regex, what it means
    grep -Eq "$1" "$work/service-key.log" || { cat "$work/service-key.log" >&2; fail "service key: $2"; }
}
expect_key 'ImagePath +REG_(EXPAND_)?SZ +"C:\\Program Files\\flowwatch\\flowwatch.exe" service run --config' \
    "command line"
expect_key 'Start +REG_DWORD +0x2$' "automatic start"
expect_key 'ObjectName +REG_SZ +NT SERVICE\\flowwatch$' "virtual account"
# Wine's SCM accepts recovery actions but keeps none of them, so there is no FailureActions value
# to check here; real Windows stores it, and `sc qfailure flowwatch` shows it.
expect_key 'PreshutdownTimeout +REG_DWORD +0x7530$' "preshutdown window"
sc_shows 'STATE +: +1 +STOPPED' || { sc_query >&2; fail "installed service is not STOPPED"; }
if win "$exe" service install >"$work/reinstall.log" 2>&1; then fail "a second install succeeded"; fi
grep -q 'already installed' "$work/reinstall.log" || fail "a second install did not say why it failed"

log "sc start and sc stop"
start_and_stop

log "flowwatch service uninstall"
win "$exe" service uninstall >"$work/uninstall.log" 2>&1 ||
    { cat "$work/uninstall.log" >&2; fail "service uninstall"; }
wait_for_removal 30
[[ -f $state_dir/flowwatch.json ]] || fail "uninstall removed the state directory's contents"
rm -rf "$install_dir"

# --- The MSI -----------------------------------------------------------------------------------
log "installing the MSI"
cp "$work/flowwatch.msi" "$drive_c/flowwatch.msi"
win msiexec /i 'C:\flowwatch.msi' /qn || fail "msiexec /i flowwatch.msi"
[[ -f $install_dir/flowwatch.exe && -f $install_dir/flowwatch.json.example ]] ||
    fail "the MSI did not install flowwatch.exe and the example configuration"
sc_shows 'STATE +: +1 +STOPPED' || { sc_query >&2; fail "the MSI's service is not installed and STOPPED"; }
# The ConfigureService action ran `flowwatch service configure`: Wine's default preshutdown
# window is 180 s, and the agent asks for 30.
win reg query 'HKLM\System\CurrentControlSet\Services\flowwatch' 2>/dev/null | tr -d '\r' \
    >"$work/service-key.log" || true
expect_key 'PreshutdownTimeout +REG_DWORD +0x7530$' "the MSI did not run service configure"

log "sc start and sc stop of the MSI's service"
start_and_stop

log "removing the MSI"
win msiexec /x 'C:\flowwatch.msi' /qn || fail "msiexec /x flowwatch.msi"
wait_for_removal 30
[[ ! -e $install_dir/flowwatch.exe ]] || fail "removing the MSI left flowwatch.exe behind"

timeout 30 wineserver -k || true
log "the Windows service lifecycle and the MSI check out"
