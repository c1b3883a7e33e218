#!/usr/bin/env bash
# End-to-end performance run of issue 6 (P1, P2, P3, P7, P9, P10) against the fake appliance.
#
# Uses only the release binary, curl, tmux and standard tools (/usr/bin/time for peak memory,
# /proc for RSS and CPU). Installs nothing. `.ci/run` does not run it (it takes about two
# minutes and needs a quiet machine); it only compiles the benchmarks. P4, P5, P6 and P8 come
# from `cargo bench --bench perf`.
#
#   cargo build --release && scripts/bench.sh
#
# Knobs (environment): MACHINES (100000), RUNS (7, TUI start-ups for P1/P2), IDLE_SECONDS (30),
# KACE_TUI_BIN (target/release/kace-tui), KEEP_LOGS (set: keep the logs and print where).
#
# How it measures:
# - The TUI runs in a detached tmux pane of 200x50 with `--log-level debug`; it logs the
#   milestones "login done", "first page", "first frame with rows", "all rows loaded",
#   "key to frame", "busy iteration" and "frame drawn" with monotonic ms since `main` started.
# - P1 = "first frame with rows" (process start -> login -> first page -> frame flushed).
# - P2 = "all rows loaded" - "login done": every row decoded, in the table, sorted and
#   filterable. The curl baseline fetches the same pages (100, then 1000 at a time) one after
#   another over one connection, in the same run.
# - P3 = VmRSS two seconds after the load (steady) and VmHWM (peak) from /proc/PID/status.
# - P7 = utime+stime from /proc/PID/stat and the frames drawn over IDLE_SECONDS of no input,
#   after the "Loaded ..." message has expired.
# - P9 = `machines list --output jsonl` through a pipe: time from exec to the first line,
#   peak RSS from /usr/bin/time -v.
# - P10 = while the pages arrive, keys (j/k) are sent through tmux; "key to frame" is the time
#   from reading the key to the frame flushed. The longest "busy iteration" during the load is
#   how long a key can wait before it is read; both are reported.
set -euo pipefail
cd "$(dirname "$0")/.."

MACHINES=${MACHINES:-100000}
RUNS=${RUNS:-7}
IDLE_SECONDS=${IDLE_SECONDS:-30}
BIN=${KACE_TUI_BIN:-target/release/kace-tui}

missing=()
for tool in curl tmux awk sort; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time (Debian/Ubuntu package: time)")
if ((${#missing[@]})); then
  echo "bench: missing: ${missing[*]}; install them and run again" >&2
  exit 2
fi
if [[ ! -x $BIN ]]; then
  echo "bench: $BIN not found; build it first: cargo build --release" >&2
  exit 2
fi
BIN=$(realpath "$BIN")

WORK=$(mktemp -d)
SOCK="$WORK/tmux.sock"
SERVER_PIDS=()
cleanup() {
  tmux -S "$SOCK" kill-server 2>/dev/null || true
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n ${KEEP_LOGS:-} ]]; then echo "bench: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
: >"$WORK/empty.toml"

now_ns() { date +%s%N; }

# wait_for FILE PATTERN SECONDS: waits until FILE has a line matching PATTERN.
wait_for() {
  local deadline=$(($(date +%s) + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    if (($(date +%s) > deadline)); then
      echo "bench: timed out waiting for '$2' in $1" >&2
      tail -5 "$1" >&2 || true
      exit 1
    fi
    sleep 0.01
  done
}

# start_server N: sets SERVER_URL; the server's pid goes to SERVER_PIDS (killed on exit).
start_server() {
  local out="$WORK/server-$1.out"
  "$BIN" demo-server --machines "$1" >"$out" 2>&1 &
  SERVER_PIDS+=($!)
  wait_for "$out" "listening on" 120
  SERVER_URL=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
}

# field NAME LINE: the value of `NAME=value` in a log line.
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# milestone LOG MESSAGE [FIELD]: FIELD (default ms) of the first line with MESSAGE.
milestone() { field "${3:-ms}" "$(grep -m1 -- "$2" "$1")"; }

# percentile P: of the numbers on stdin.
percentile() {
  sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
    i = int((NR - 1) * p + 0.5) + 1; print v[i] }'
}

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# curl_baseline URL LEVEL: ms to fetch every page one after another (after logging in).
curl_baseline() {
  local url=$1 level=$2 jar="$WORK/cookies"
  local headers=(-H 'Accept: application/json' -H 'x-kace-api-version: 8')
  curl -sf -c "$jar" "${headers[@]}" -H 'Content-Type: application/json' \
    -d '{"userName":"admin","password":"admin","organizationName":"Default"}' \
    "$url/ams/shared/api/security/login" >/dev/null
  local pages=("$url/api/inventory/machines?shaping=machine%20$level&paging=limit%20100%20offset%200")
  local offset
  for ((offset = 100; offset < MACHINES; offset += 1000)); do
    pages+=("$url/api/inventory/machines?shaping=machine%20$level&paging=limit%201000%20offset%20$offset")
  done
  local start end bytes
  start=$(now_ns)
  bytes=$(curl -sf -b "$jar" "${headers[@]}" "${pages[@]}" | wc -c)
  end=$(now_ns)
  echo "$(((end - start) / 1000000)) $bytes"
}

# tui_run NAME URL LEVEL: starts the TUI in tmux; sets TUI_LOG and TUI_PID.
tui_run() {
  local name=$1 url=$2 level=$3
  local home="$WORK/$name"
  mkdir -p "$home/state" "$home/config"
  printf '[ui]\nlist_shaping = "%s"\n' "$level" >"$home/config/config.toml"
  TUI_LOG="$home/state/kace-tui/kace-tui.log"
  tmux -S "$SOCK" new-session -d -s "$name" -x 200 -y 50 \
    "exec env XDG_STATE_HOME=$home/state XDG_CACHE_HOME=$home/cache KACE_TUI_CONFIG=$home/config/config.toml KACE_SERVER=$url KACE_USER=admin KACE_PASSWORD=admin KACE_ORG=Default $BIN --log-level debug"
  TUI_PID=$(tmux -S "$SOCK" list-panes -t "$name" -F '#{pane_pid}')
}

tui_stop() { tmux -S "$SOCK" kill-session -t "$1" 2>/dev/null || true; }

echo "bench: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "bench: starting demo-server --machines $MACHINES"
start_server "$MACHINES"
URL=$SERVER_URL
# Warm the server's data once (its first answer builds caches nothing else needs).
curl_baseline "$URL" standard >/dev/null

# --- P2 baseline: curl, same pages, one after another -------------------------------------
curl_std=()
curl_ext=()
for _ in 1 2 3; do
  read -r ms bytes_std < <(curl_baseline "$URL" standard)
  curl_std+=("$ms")
  read -r ms bytes_ext < <(curl_baseline "$URL" extended)
  curl_ext+=("$ms")
done
curl_std_ms=$(printf '%s\n' "${curl_std[@]}" | percentile 0.5)
curl_ext_ms=$(printf '%s\n' "${curl_ext[@]}" | percentile 0.5)
echo "bench: curl baseline STANDARD ${curl_std_ms} ms ($((bytes_std / 1000000)) MB), EXTENDED ${curl_ext_ms} ms ($((bytes_ext / 1000000)) MB)"

# --- P1, P2, P3: TUI start-ups with STANDARD shaping ----------------------------------------
first_rows=()
full_load=()
steady=()
peak=()
for ((run = 1; run <= RUNS; run++)); do
  tui_run "std$run" "$URL" standard
  wait_for "$TUI_LOG" "all rows loaded" 60
  sleep 2
  steady+=("$(status_kb "$TUI_PID" VmRSS)")
  peak+=("$(status_kb "$TUI_PID" VmHWM)")
  first_rows+=("$(milestone "$TUI_LOG" "first frame with rows")")
  login=$(milestone "$TUI_LOG" "login done")
  loaded=$(milestone "$TUI_LOG" "all rows loaded")
  rows=$(milestone "$TUI_LOG" "all rows loaded" rows)
  full_load+=("$(awk -v a="$loaded" -v b="$login" 'BEGIN { printf "%.0f", a - b }')")
  echo "bench: run $run: first rows ${first_rows[-1]} ms, $rows rows loaded in ${full_load[-1]} ms, RSS ${steady[-1]} kB (peak ${peak[-1]} kB)"
  tui_stop "std$run"
done
p1_p50=$(printf '%s\n' "${first_rows[@]}" | percentile 0.5)
p1_max=$(printf '%s\n' "${first_rows[@]}" | percentile 1)
p2_ms=$(printf '%s\n' "${full_load[@]}" | percentile 0.5)
p3_steady=$(($(printf '%s\n' "${steady[@]}" | percentile 0.5) / 1024))
p3_peak=$(($(printf '%s\n' "${peak[@]}" | percentile 1) / 1024))
p2_ratio=$(awk -v a="$p2_ms" -v b="$curl_std_ms" 'BEGIN { printf "%.2f", a / b }')

# --- P10 and P7: one run with keys during the load, then idle -------------------------------
tui_run keys "$URL" standard
wait_for "$TUI_LOG" "first frame with rows" 30
keys_sent=0
while ! grep -q "all rows loaded" "$TUI_LOG"; do
  if ((keys_sent % 40 < 20)); then key=j; else key=k; fi
  tmux -S "$SOCK" send-keys -t keys "$key"
  keys_sent=$((keys_sent + 1))
  sleep 0.02
done
loaded=$(milestone "$TUI_LOG" "all rows loaded")
during_load() { awk -v end="$loaded" '{ if (match($0, / ms=[0-9.]+/)) { v = substr($0, RSTART + 4, RLENGTH - 4); if (v + 0 <= end + 0) print } }'; }
key_latencies=$(grep "key to frame" "$TUI_LOG" | during_load | sed -n 's/.* latency_ms=\([0-9.]*\).*/\1/p')
keys_answered=$(grep -c . <<<"$key_latencies" || true)
p10_p50=$(percentile 0.5 <<<"$key_latencies")
p10_p99=$(percentile 0.99 <<<"$key_latencies")
busy_max=$(grep "busy iteration" "$TUI_LOG" | during_load | sed -n 's/.* busy_ms=\([0-9.]*\).*/\1/p' | percentile 1)
[[ $busy_max == n/a ]] && busy_max="<1"
echo "bench: P10: $keys_sent keys sent during the load, $keys_answered frames answered keys; key to frame p50 $p10_p50 ms, p99 $p10_p99 ms; longest busy iteration $busy_max ms"

# Idle: wait for the "Loaded ..." message to expire (4 s), then watch.
sleep 6
frames_before=$(grep -c "frame drawn" "$TUI_LOG")
ticks_before=$(cpu_ticks "$TUI_PID")
sleep "$IDLE_SECONDS"
ticks_after=$(cpu_ticks "$TUI_PID")
frames_after=$(grep -c "frame drawn" "$TUI_LOG")
hz=$(getconf CLK_TCK)
idle_frames=$((frames_after - frames_before))
idle_cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.3f", 100 * t / hz / s }')
echo "bench: P7: $idle_frames frames and $((ticks_after - ticks_before)) CPU ticks (of $hz/s) in ${IDLE_SECONDS} s idle"
tui_stop keys

# --- EXTENDED for comparison -------------------------------------------------------------
tui_run ext "$URL" extended
wait_for "$TUI_LOG" "all rows loaded" 60
sleep 2
ext_steady=$(($(status_kb "$TUI_PID" VmRSS) / 1024))
ext_peak=$(($(status_kb "$TUI_PID" VmHWM) / 1024))
ext_ms=$(awk -v a="$(milestone "$TUI_LOG" "all rows loaded")" -v b="$(milestone "$TUI_LOG" "login done")" 'BEGIN { printf "%.0f", a - b }')
ext_ratio=$(awk -v a="$ext_ms" -v b="$curl_ext_ms" 'BEGIN { printf "%.2f", a / b }')
tui_stop ext

# --- P9: headless jsonl ---------------------------------------------------------------------
p9_first=()
p9_peak=()
for _ in 1 2 3; do
  start=$(now_ns)
  env XDG_STATE_HOME="$WORK/headless" KACE_TUI_CONFIG="$WORK/empty.toml" KACE_SERVER="$URL" KACE_USER=admin \
    KACE_PASSWORD=admin KACE_ORG=Default \
    /usr/bin/time -v -o "$WORK/p9.time" "$BIN" machines list --output jsonl |
    { IFS= read -r _; now_ns >"$WORK/p9.first"; wc -l >"$WORK/p9.lines"; }
  p9_first+=($((($(cat "$WORK/p9.first") - start) / 1000000)))
  p9_peak+=($(($(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/p9.time") / 1024)))
done
p9_lines=$(($(cat "$WORK/p9.lines") + 1))
p9_first_ms=$(printf '%s\n' "${p9_first[@]}" | percentile 0.5)
p9_peak_mb=$(printf '%s\n' "${p9_peak[@]}" | percentile 1)
echo "bench: P9: $p9_lines lines; first line after ${p9_first[*]} ms; peak RSS ${p9_peak[*]} MB"

# --- P3 at 10,000 machines --------------------------------------------------------------------
start_server 10000
URL10=$SERVER_URL
tui_run small "$URL10" standard
wait_for "$TUI_LOG" "all rows loaded" 60
sleep 2
small_steady=$(($(status_kb "$TUI_PID" VmRSS) / 1024))
small_peak=$(($(status_kb "$TUI_PID" VmHWM) / 1024))
tui_stop small

r1() { awk -v v="$1" 'BEGIN { if (v + 0 == v) printf "%.1f", v; else print v }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "met" : "MISSED" }'; }
echo
echo "| # | what | target | measured | |"
echo "|---|---|---|---|---|"
echo "| P1 | time to first rows (p50 of $RUNS, max) | p50 ≤ 150 ms | p50 $(r1 "$p1_p50") ms, max $(r1 "$p1_max") ms | $(verdict "$p1_p50" 150) |"
echo "| P2 | full load, $MACHINES machines, STANDARD (p50 of $RUNS) | ≤ 1500 ms and ≤ 1.3× curl | $p2_ms ms; curl $curl_std_ms ms; ratio $p2_ratio | $(verdict "$p2_ms" 1500)/$(verdict "$p2_ratio" 1.3) |"
echo "| P2' | full load, EXTENDED (the default; for comparison) | – | $ext_ms ms; curl $curl_ext_ms ms; ratio $ext_ratio | – |"
echo "| P3 | memory after loading $MACHINES (STANDARD) | steady ≤ 200 MB, peak ≤ 250 MB | steady $p3_steady MB, peak $p3_peak MB | $(verdict "$p3_steady" 200)/$(verdict "$p3_peak" 250) |"
echo "| P3' | memory after loading $MACHINES (EXTENDED) | – | steady $ext_steady MB, peak $ext_peak MB | – |"
echo "| P3 | memory after loading 10000 (STANDARD) | ≤ 40 MB | steady $small_steady MB, peak $small_peak MB | $(verdict "$small_peak" 40) |"
echo "| P7 | idle ${IDLE_SECONDS} s | 0 frames, < 0.1% CPU | $idle_frames frames, $idle_cpu% CPU | $(verdict "$idle_frames" 0)/$(verdict "$idle_cpu" 0.1) |"
echo "| P9 | machines list --output jsonl, $p9_lines lines | first line ≤ 200 ms, peak ≤ 60 MB | first line $p9_first_ms ms, peak $p9_peak_mb MB | $(verdict "$p9_first_ms" 200)/$(verdict "$p9_peak_mb" 60) |"
echo "| P10 | key to frame while pages arrive ($keys_answered keys) | p99 ≤ 16 ms | p50 $(r1 "$p10_p50") ms, p99 $(r1 "$p10_p99") ms (+ up to $(r1 "$busy_max") ms before the key is read) | $(verdict "$p10_p99" 16) |"
