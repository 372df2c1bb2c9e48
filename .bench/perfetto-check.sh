#!/usr/bin/env bash
# Loads iosim's Chrome traces into Perfetto's trace processor and lists its import errors.
#
# Traces made here (in a temporary directory, removed at the end):
#   run      iosim run Scenarios/01-seed-overlapped-poll.json5 --trace
#   explain  iosim explain Scenarios/02-cleary-iocp-write.json5 --trace
#   window   iosim run Scenarios/08a-no-coalescing.json5 --trace --trace-window 1ms..3ms
#   first    iosim run Scenarios/08a-no-coalescing.json5 --trace --trace-ios 200
#   real     iosim real Scenarios/validation/pread-4k.json5 --trace (blocking pread, small file)
#   uring    iosim real Scenarios/validation/uring-4k-qd16.json5 --trace (skipped when io_uring is refused)
# Each is loaded with trace_processor_shell and checked with
#   select name, idx, severity, source, value from stats
#   where value > 0 and (severity = 'error' or severity = 'data_loss')
# which lists what the importer could not take (the UI shows the same as import warnings). Also printed:
# slices, tracks and counters per trace.
#
# The trace processor: $TRACE_PROCESSOR, else trace_processor_shell on PATH, else the copy the `perfetto`
# Python package caches (~/.local/share/perfetto/prebuilts/trace_processor_shell). The package downloads
# it from Google's storage on first use; where that is not reachable (no network but package registries),
# and no copy is found, this script says so plainly and runs only its structural check (valid JSON, every
# event with name, ph, ts, pid and tid, no negative times or durations, every lane with events named,
# complete events on one lane not overlapping), which is not a Perfetto check. Exit codes: 0 clean,
# 1 errors found, 2 no trace processor (the structural check passed).
#
# Environment: IOSIM (an iosim binary; default: build the release one), TRACE_PROCESSOR.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${IOSIM:-}" ]; then
    echo "== building iosim (release)"
    swift build -c release --product iosim 2>&1 | grep -E "error|Build" | tail -3
    IOSIM="$(swift build -c release --show-bin-path)/iosim"
fi
[ -x "$IOSIM" ] || { echo "error: $IOSIM is not an executable" >&2; exit 1; }

TP=${TRACE_PROCESSOR:-}
if [ -z "$TP" ]; then
    if command -v trace_processor_shell >/dev/null 2>&1; then
        TP=$(command -v trace_processor_shell)
    else
        TP=$(ls "$HOME"/.local/share/perfetto/prebuilts/trace_processor_shell* 2>/dev/null | grep -v '\.tmp$' | head -1 || true)
    fi
fi

WORK=$(mktemp -d /tmp/iosim-perfetto-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/data"

echo "== making traces in $WORK"
"$IOSIM" run Scenarios/01-seed-overlapped-poll.json5 --trace "$WORK/run.json" --quiet >/dev/null
"$IOSIM" explain Scenarios/02-cleary-iocp-write.json5 --trace "$WORK/explain.json" --quiet >/dev/null
"$IOSIM" run Scenarios/08a-no-coalescing.json5 --trace "$WORK/window.json" --trace-window 1ms..3ms --quiet >/dev/null
"$IOSIM" run Scenarios/08a-no-coalescing.json5 --trace "$WORK/first.json" --trace-ios 200 --quiet >/dev/null
"$IOSIM" real Scenarios/validation/pread-4k.json5 --dir "$WORK/data" --trace "$WORK/real.json" --quiet \
    --set files[0].size=16MiB --set 'threads[0].program[0].repeat=2000' >/dev/null
if "$IOSIM" real Scenarios/validation/uring-4k-qd16.json5 --dir "$WORK/data" --trace "$WORK/uring.json" --quiet \
    --set files[0].size=16MiB --set 'threads[0].program[0].ios=5000' >/dev/null 2>"$WORK/uring.err"; then
    :
else
    echo "   (io_uring run skipped: $(head -1 "$WORK/uring.err"))"
fi
TRACES=$(ls "$WORK"/*.json)

echo "== structural check (not Perfetto's)"
python3 - $TRACES <<'EOF'
import json, sys
bad = 0
for path in sys.argv[1:]:
    doc = json.load(open(path))
    events = doc["traceEvents"]
    procs, lanes, used, spans, problems = set(), set(), set(), {}, []
    for e in events:
        if not all(k in e for k in ("name", "ph", "ts", "pid", "tid")):
            problems.append("missing fields: %r" % e)
            continue
        if e["ts"] < 0:
            problems.append("negative ts: %r" % e)
        key = (e["pid"], e["tid"])
        if e["ph"] == "M":
            if e["name"] == "process_name": procs.add(e["pid"])
            if e["name"] == "thread_name": lanes.add(key)
            continue
        used.add(key)
        if e["ph"] == "X":
            if e["dur"] < 0: problems.append("negative dur: %r" % e)
            spans.setdefault(key, []).append((e["ts"], e["ts"] + e["dur"]))
    for key in used:
        if key[0] not in procs: problems.append("process %d has no name" % key[0])
        if key not in lanes: problems.append("lane %r has no name" % (key,))
    for key, s in spans.items():
        s.sort()
        for a, b in zip(s, s[1:]):
            if a[1] > b[0] + 0.0015: problems.append("overlap on lane %r: %r %r" % (key, a, b))
    name = path.rsplit("/", 1)[-1]
    print("   %-13s %8d events  %s" % (name, len(events), "ok" if not problems else "%d problems" % len(problems)))
    for p in problems[:5]: print("      " + p)
    bad += len(problems)
sys.exit(1 if bad else 0)
EOF

if [ -z "$TP" ] || [ ! -x "$TP" ]; then
    echo "== Perfetto's trace processor is not available here: set TRACE_PROCESSOR to a trace_processor_shell"
    echo "   binary, put one on PATH, or let 'pip install perfetto' fetch its prebuilt (it downloads from"
    echo "   Google's storage on first use). No Perfetto import check was run."
    exit 2
fi

echo "== Perfetto import check with $TP"
cat >"$WORK/stats.sql" <<'EOF'
select name, idx, severity, source, value from stats
where value > 0 and (severity = 'error' or severity = 'data_loss');
EOF
cat >"$WORK/summary.sql" <<'EOF'
select (select count(*) from slice) as slices, (select count(*) from track) as tracks,
       (select count(*) from counter) as counter_values, (select count(*) from thread where name is null) as unnamed_threads;
EOF
errors=0
for t in $TRACES; do
    name=$(basename "$t")
    out=$("$TP" --query-file "$WORK/stats.sql" "$t" 2>"$WORK/tp.err") || { echo "   $name: trace processor failed"; cat "$WORK/tp.err"; errors=1; continue; }
    # The first line is the header ("name","idx",...); any line after it is an error row.
    rows=$(printf '%s\n' "$out" | tail -n +2 | grep -v '^ *$' || true)
    summary=$("$TP" --query-file "$WORK/summary.sql" "$t" 2>/dev/null | tail -1)
    if [ -n "$rows" ]; then
        echo "   $name: import errors"
        printf '%s\n' "$out" | sed 's/^/      /'
        errors=1
    else
        echo "   $name: no import errors ($summary)"
    fi
done
exit $errors
