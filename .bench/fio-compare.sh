#!/usr/bin/env bash
# fio's io_uring engine against iosim's real backend (IOSimReal through iosim-real-bench) on the same job,
# side by side in one run: 4k random reads, O_DIRECT, one thread, a 1 GiB file, 10 s per run, at queue
# depths 1 and 32, four repeats. Prints IOPS and CPU per IO of each and the ratios, then the medians and a verdict
# against issue 4's target (ours >= 0.95x fio's IOPS, and no more CPU per IO).
#
# Both read the same file, laid out once here (random bytes, so ext4 has real extents), and the runs are
# interleaved (fio, ours, ours, fio, ...) so a noisy neighbour hurts both alike. When fio is not
# installed, this says so plainly and still runs ours.
#
# CPU per IO: fio's usr_cpu + sys_cpu (getrusage of its job process, io_uring's threads included) times
# the job's runtime, over its IOs; ours: getrusage of the process over the run window, over its IOs
# (the census sampler is off here, as fio has none; the main thread's wake-ups, MAIN_WAKE_MS below, are in it,
# where fio's main thread is not in fio's figure).
#
# A second CPU measure, when perf is installed (PERF=1, the default): each run's threads are counted by perf's
# task-clock (the time each thread spent on a CPU, switched in to switched out) over a steady window (from
# 1 s after the start to 1 s before the end), and CPU per IO is that time over the window's length times the
# run's IOPS. Each side counts its job thread, the thread with the most task-clock (the others are each
# tool's main thread, and fio's helper; io_uring starts no kernel thread for this job). Why: on this VM getrusage (and /proc/PID/schedstat, which it scales to) charges a
# thread about 20 us more than task-clock per wake-up from an idle CPU (a loop of 50 us nanosleeps: 32 us per
# cycle by schedstat, 12 us by task-clock; in a depth-1 read run the system-wide /proc/stat ticks agree
# with task-clock, not getrusage). At depth 1 that charge is as large as the real CPU per IO, so a few percent
# between two getrusage figures is the charge's noise. The verdict on CPU uses task-clock when it is there.
#
# Ours runs fio's own loop (LOOP=each, `--submit-each`): fio's io_uring engine with its defaults
# (iodepth_batch_submit=1) reaps what the CQ holds, then submits each new SQE in its own io_uring_enter
# (to_submit 1, GETEVENTS, min_complete 0), and sleeps in io_uring_enter only when the CQ is empty. LOOP=batch
# runs iosim's default loop instead (the one the model and `iosim real` use): one io_uring_enter submits every
# SQE prepared since the last and waits for one completion. On this VM the batch loop reached 0.8x fio's IOPS
# at QD32 with 0.56x its CPU per IO: a request submitted at once reaches the virtual disk sooner than one
# held back for the batch.
#
# Environment: DIR (parent of the scratch directory, default /tmp), RUN_SECONDS (10), DEPTHS ("1 32"),
# REPEATS (4; even, so each side goes first as often: on a VM whose host drifts, the first run of a pair was
# up to 15% ahead at queue depth 1), SIZE_MIB (1024), LOOP (each | batch), EXTRA (extra iosim-real-bench flags, e.g.
# "--fixed-buffers --fixed-files"), PERF (1 | 0: the task-clock measure above), PIN (a CPU number, or "irq" for the
# CPU the disk's interrupts go to: both sides run there under taskset; empty, the default, pins nothing). On this
# VM the disk's one interrupt line goes to CPU 1, and at queue depth 1 a job on CPU 1 made 15-16k IOPS and one
# on CPU 0 10-11k (fio and ours alike: each completion then wakes the job across CPUs), so where the scheduler
# puts each side moves a pair's ratio by more than the targets' margins. MAIN_WAKE_MS (10; 0 turns it off): ours'
# main thread wakes every so many ms while the job runs, as fio's does (its run loop sleeps 10 ms at a time while
# its jobs run, strace). On this VM a thread waking every 10 ms on the job's CPU made a bare depth-1 loop of fio's
# calls 12-18% faster (and one waking every 1 ms 12-23%), so without it fio's depth-1 runs have a help ours lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${DIR:-/tmp}
RUN_SECONDS=${RUN_SECONDS:-10}
DEPTHS=${DEPTHS:-"1 32"}
REPEATS=${REPEATS:-4}
if [ $((REPEATS % 2)) = 1 ]; then echo "NOTE: REPEATS=$REPEATS is odd: fio goes first once more than ours." >&2; fi
SIZE_MIB=${SIZE_MIB:-1024}
EXTRA=${EXTRA:-}
LOOP=${LOOP:-each}
MAIN_WAKE_MS=${MAIN_WAKE_MS:-10}
case "$LOOP" in
    each) LOOP_FLAG=--submit-each ;;
    batch) LOOP_FLAG= ;;
    *) echo "error: LOOP is each or batch, not $LOOP" >&2; exit 64 ;;
esac

echo "== building iosim-real-bench (release)"
swift build -c release --product iosim-real-bench 2>&1 | grep -E "error|warning|Compiling|Build" | tail -3
BIN="$(swift build -c release --show-bin-path)/iosim-real-bench"
[ -x "$BIN" ] || { echo "error: $BIN was not built" >&2; exit 1; }

HAVE_FIO=1
if ! command -v fio >/dev/null 2>&1; then
    HAVE_FIO=0
    echo "NOTE: fio is not installed, so there is nothing to compare against; running only iosim's backend."
    echo "      Install it with: apt-get install -y fio"
fi
command -v python3 >/dev/null 2>&1 || { echo "error: python3 is needed to read the JSON of both sides" >&2; exit 1; }

avail_kib=$(df -Pk "$DIR" | awk 'NR==2 {print $4}')
need_kib=$(( (SIZE_MIB + 64) * 1024 ))
if [ "$avail_kib" -lt "$need_kib" ]; then
    echo "error: $DIR has $((avail_kib / 1024)) MiB free, the job needs $((need_kib / 1024)) MiB; set DIR=" >&2
    exit 1
fi
WORK=$(mktemp -d "$DIR/iosim-fio-compare-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'rm -rf "$WORK"; exit 130' INT TERM
FILE="$WORK/data.bin"
echo "== laying out $SIZE_MIB MiB at $FILE"
dd if=/dev/urandom of="$FILE" bs=1M count="$SIZE_MIB" conv=fsync status=none

echo "== machine: $(nproc) CPUs, $(uname -r), $(df -P "$DIR" | awk 'NR==2 {print $1}'), fio: $( [ $HAVE_FIO = 1 ] && fio --version || echo none)"
echo "== job: 4k randread, O_DIRECT, 1 thread, ${SIZE_MIB} MiB file, ${RUN_SECONDS} s per run, QD {$DEPTHS}, $REPEATS repeats, ours with the $LOOP loop${EXTRA:+ and $EXTRA}, its main thread waking every ${MAIN_WAKE_MS} ms (0: never)"

PIN=${PIN:-}
WAKE_FLAG=
if [ "$MAIN_WAKE_MS" != 0 ]; then WAKE_FLAG="--main-wake-ms $MAIN_WAKE_MS"; fi
PREFIX=()
if [ "$PIN" = irq ]; then
    # The CPU of the busiest interrupt line in /proc/interrupts of the disk that holds DIR: its block device by
    # number (major:minor of DIR's filesystem), the whole disk for a partition, and the disk's driver instance
    # (virtio1, nvme0, ...), whose lines are named after it ("virtio1-req.0", "nvme0q1").
    majmin=$(mountpoint -d "$(df -P "$DIR" | awk 'NR==2 {print $6}')" 2>/dev/null || true)
    sys=$(readlink -f "/sys/dev/block/$majmin" 2>/dev/null || true)
    if [ -n "$sys" ] && [ -e "$sys/partition" ]; then sys=$(dirname "$sys"); fi
    driver=$( [ -n "$sys" ] && basename "$(readlink -f "$sys/device")" 2>/dev/null || true)
    PIN=$(awk -v d="$driver" 'NR == 1 { n = NF; next } d != "" && $NF ~ ("^" d "([^0-9]|$)") {
            for (i = 2; i <= n + 1; i++) if ($i + 0 > best) { best = $i + 0; cpu = i - 2 } } END { print cpu }' /proc/interrupts)
    [ -n "$PIN" ] || { echo "error: PIN=irq: no interrupt line of the disk under $DIR (${sys:-unknown}, driver ${driver:-unknown}) in /proc/interrupts; set PIN to a CPU number" >&2; exit 1; }
fi
if [ -n "$PIN" ]; then
    command -v taskset >/dev/null 2>&1 || { echo "error: PIN needs taskset (util-linux)" >&2; exit 1; }
    PREFIX=(taskset -c "$PIN")
    echo "== both sides pinned to CPU $PIN"
fi

RESULTS="$WORK/results.tsv"
: > "$RESULTS"

PERF=${PERF:-1}
WINDOW=$((RUN_SECONDS - 2))
if [ "$PERF" = 1 ]; then
    if ! command -v perf >/dev/null 2>&1; then
        PERF=0; echo "NOTE: perf is not installed (apt-get install linux-perf): CPU per IO by getrusage only."
    elif [ "$WINDOW" -lt 1 ]; then
        PERF=0; echo "NOTE: RUN_SECONDS=$RUN_SECONDS leaves no steady window for task-clock (needs 3 or more)."
    elif ! perf stat -e task-clock -- true >/dev/null 2>&1; then
        PERF=0; echo "NOTE: perf stat cannot count task-clock here (perf_event_paranoid?): CPU per IO by getrusage only."
    fi
fi

# task_clock PID max|sum -> the task-clock (ns) of PID's threads and its children's over the steady window:
# the largest one thread's (the job thread) or the sum of all.
task_clock() {
    local pid=$1 pick=$2 out="$WORK/perf.csv" pids
    sleep 1
    pids=$(echo "$pid" $(pgrep -P "$pid") | tr ' ' ',')
    if ! perf stat --per-thread -e task-clock -x, -o "$out" -p "$pids" -- sleep "$WINDOW" >/dev/null 2>&1; then
        echo 0; return
    fi
    # -x, rows: comm-tid,msec,unit,event,...
    awk -F, -v pick="$pick" '$4 ~ /^task-clock/ { v = $2 * 1e6; if (pick == "max") { if (v > m) m = v } else m += v }
        END { printf "%.0f\n", m }' "$out"
}

# per_io IOPS TASK_CLOCK_NS -> the task-clock per IO (ns) over the window, or 0 when not measured.
per_io() { awk -v i="$1" -v t="$2" -v w="$WINDOW" 'BEGIN { printf "%.0f\n", (i > 0 && t > 0) ? t / (w * i) : 0 }'; }

run_fio() {  # qd -> "iops cpu_per_io_ns task_clock_per_io_ns"
    local qd=$1 out="$WORK/fio.json" pid tc=0 line
    "${PREFIX[@]}" fio --name=compare --ioengine=io_uring --direct=1 --rw=randread --bs=4k --iodepth="$qd" --numjobs=1 \
        --runtime="$RUN_SECONDS" --time_based --size="${SIZE_MIB}M" --filename="$FILE" --output-format=json > "$out" &
    pid=$!
    if [ "$PERF" = 1 ]; then tc=$(task_clock "$pid" max); fi
    wait "$pid"
    line=$(python3 - "$out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
r = j["read"]
seconds = j["job_runtime"] / 1000.0
cpu_ns = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * seconds * 1e9
print(f'{r["iops"]:.0f} {cpu_ns / max(1, r["total_ios"]):.0f}')
PY
)
    echo "$line $(per_io "${line%% *}" "$tc")"
}

run_ours() {  # qd -> "iops cpu_per_io_ns task_clock_per_io_ns"
    local qd=$1 out="$WORK/ours.json" pid tc=0 line
    # shellcheck disable=SC2086
    "${PREFIX[@]}" "$BIN" --engine uring --qd "$qd" --bs 4k --direct --seconds "$RUN_SECONDS" --file "$FILE" --no-census $LOOP_FLAG $WAKE_FLAG $EXTRA > "$out" &
    pid=$!
    if [ "$PERF" = 1 ]; then tc=$(task_clock "$pid" max); fi
    wait "$pid"
    line=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%.0f %.0f" % (m["iops"], m["cpu_per_io_ns"]))' "$out")
    echo "$line $(per_io "${line%% *}" "$tc")"
}

us() { awk -v c="$1" 'BEGIN { if (c > 0) printf "%.1f", c / 1000; else printf "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else printf "-" }'; }

printf "%-4s %-4s %9s %9s %6s | %-26s | %-26s\n" "" "" "" "" "" "CPU/IO by getrusage" "CPU/IO by task-clock"
printf "%-4s %-4s %9s %9s %6s | %8s %8s %8s | %8s %8s %8s\n" QD run "fio IOPS" "ours" ratio "fio us" "ours us" ratio "fio us" "ours us" ratio
for rep in $(seq 1 "$REPEATS"); do
    for qd in $DEPTHS; do
        if [ $HAVE_FIO = 1 ]; then
            # Alternate who goes first, so drift in the machine's load does not favour one side.
            if [ $((rep % 2)) = 1 ]; then f=$(run_fio "$qd"); o=$(run_ours "$qd"); else o=$(run_ours "$qd"); f=$(run_fio "$qd"); fi
            read -r fi fc ft <<< "$f"
            read -r oi oc ot <<< "$o"
            if [ -z "$ft" ] || [ -z "$ot" ]; then echo "error: a run failed (fio: '$f', ours: '$o')" >&2; exit 1; fi
            echo -e "$qd\t$fi\t$oi\t$fc\t$oc\t$ft\t$ot" >> "$RESULTS"
            printf "%-4s %-4s %9d %9d %6s | %8s %8s %8s | %8s %8s %8s\n" "$qd" "$rep" "$fi" "$oi" "$(ratio "$oi" "$fi")" \
                "$(us "$fc")" "$(us "$oc")" "$(ratio "$oc" "$fc")" "$(us "$ft")" "$(us "$ot")" "$(ratio "$ot" "$ft")"
        else
            o=$(run_ours "$qd")
            read -r oi oc ot <<< "$o"
            printf "%-4s %-4s %9s %9d %6s | %8s %8s %8s | %8s %8s %8s\n" "$qd" "$rep" - "$oi" - - "$(us "$oc")" - - "$(us "$ot")" -
        fi
    done
done

if [ $HAVE_FIO = 1 ]; then
    verdict() {  # IOPS-ratio getrusage-CPU-ratio task-clock-CPU-ratio -> the line's verdict text
        awk -v ri="$1" -v rc="$2" -v rt="$3" -v perf="$PERF" 'BEGIN {
            printf "IOPS %.2fx %s, CPU/IO by getrusage %.2fx", ri, (ri >= 0.95 ? "ok" : "BELOW"), rc
            if (perf == 1 && rt > 0) printf ", by task-clock %.2fx %s", rt, (rt <= 1.0 ? "ok" : "ABOVE")
            else if (perf == 1) printf ", by task-clock unmeasured, by getrusage %s", (rc <= 1.0 ? "ok" : "ABOVE")
            else printf " %s", (rc <= 1.0 ? "ok" : "ABOVE")
            printf "\n" }'
    }
    median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    echo
    echo "== medians over $REPEATS repeats (target: IOPS ratio >= 0.95, CPU/IO ratio <= 1.00$([ "$PERF" = 1 ] && echo ", CPU by task-clock"))"
    for qd in $DEPTHS; do
        awk -F'\t' -v q="$qd" '$1 == q' "$RESULTS" > "$WORK/q.tsv"
        fi=$(cut -f2 "$WORK/q.tsv" | median); oi=$(cut -f3 "$WORK/q.tsv" | median)
        fc=$(cut -f4 "$WORK/q.tsv" | median); oc=$(cut -f5 "$WORK/q.tsv" | median)
        # task-clock medians over the runs that measured it (0: perf read nothing)
        ft=$(awk -F'\t' '$6 > 0 && $7 > 0 { print $6 }' "$WORK/q.tsv" | median); ot=$(awk -F'\t' '$6 > 0 && $7 > 0 { print $7 }' "$WORK/q.tsv" | median)
        ft=${ft:-0}; ot=${ot:-0}
        printf "QD %-3s fio %7.0f IOPS, %s us/IO | ours %7.0f IOPS, %s us/IO (getrusage, task-clock) | " "$qd" "$fi" \
            "$(us "$fc"), $(us "$ft")" "$oi" "$(us "$oc"), $(us "$ot")"
        verdict "$(awk -v a="$oi" -v b="$fi" 'BEGIN{print a/b}')" "$(awk -v a="$oc" -v b="$fc" 'BEGIN{print a/b}')" \
            "$(awk -v a="$ot" -v b="$ft" 'BEGIN{print (b > 0) ? a/b : 0}')"
    done
    # The runs of one repeat are back to back and share the machine's state of the moment: the median of each
    # repeat's own ratio sets the two sides against each other under the same load.
    echo "== medians of each repeat's ratios (ours / fio, the two runs side by side)"
    for qd in $DEPTHS; do
        awk -F'\t' -v q="$qd" '$1 == q && $2 > 0 && $4 > 0 { print $3 / $2 "\t" $5 / $4 "\t" (($6 > 0) ? $7 / $6 : 0) }' "$RESULTS" > "$WORK/r.tsv"
        printf "QD %-3s " "$qd"
        verdict "$(cut -f1 "$WORK/r.tsv" | median)" "$(cut -f2 "$WORK/r.tsv" | median)" "$(awk -F'\t' '$3 > 0 { print $3 }' "$WORK/r.tsv" | median)"
    done
fi
