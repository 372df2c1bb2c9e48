#!/usr/bin/env bash
# Where IOSQE_ASYNC's iou-wrk threads come from, read from the kernel's tracepoints while `iosim real` runs the
# validation suite's async-qd16 workload: when each worker is made (task_newtask), what the workers were doing
# just before (their last sched_switch: preempted `R`/`R+`, or asleep), who preempted them, and, for kblockd's
# high-priority kworker (`kworker/N:1H`), how often it runs, for how long, and what queued its work (the
# work function and the kernel stack of workqueue_queue_work). The model has neither kblockd nor preemption on
# wake-up (README, "Validation on this machine", on IOSQE_ASYNC's kernel threads).
#
# Needs root (it enables tracepoints in /sys/kernel/tracing and turns them off again) and python3.
# Usage: .bench/trace-async-workers.sh [DURATION] (default 1s).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1s}
. .bench/tracing.sh
buffer_kb=$(cat $T/buffer_size_kb | grep -o '^[0-9]*')
restore() {
  echo 0 > $T/tracing_on; echo 0 > $T/events/enable
  echo '!stacktrace' > $T/events/workqueue/workqueue_queue_work/trigger 2>/dev/null || true
  echo > $T/trace; echo "${buffer_kb:-1408}" > $T/buffer_size_kb
}
trap restore EXIT
echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
for e in sched/sched_switch sched/sched_wakeup task/task_newtask workqueue/workqueue_queue_work \
  workqueue/workqueue_execute_start workqueue/workqueue_execute_end; do
  echo 1 > "$T/events/$e/enable"
done
echo 'stacktrace if workqueue == "kblockd"' > $T/events/workqueue/workqueue_queue_work/trigger
echo 1 > $T/tracing_on
"$iosim" real Scenarios/validation/async-qd16.json5 --duration "$duration" --quiet > "$out/report"
echo 0 > $T/tracing_on
cat $T/trace > "$out/trace"
grep -E 'IOPS|kernel threads' "$out/report" || true
python3 - "$out/trace" <<'EOF'
import re, sys, collections, statistics
pat = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):(.*)$')
lines = open(sys.argv[1]).read().splitlines()
evs, stacks, cur = [], collections.Counter(), None
for line in lines:
    if '<stack trace>' in line:
        cur = []
        continue
    if cur is not None and line.strip().startswith('=>'):
        cur.append(line.strip()[3:].split('+')[0])
        continue
    if cur:
        stacks[' < '.join(cur[4:10])] += 1  # past the tracing's own frames
    cur = None
    m = pat.match(line)
    if m:
        comm, pid, cpu, flags, ts, ev, rest = m.groups()
        evs.append((float(ts) * 1e6, int(cpu), ev, rest, comm, int(pid)))
if cur: stacks[' < '.join(cur[4:10])] += 1
if not evs: sys.exit("no events traced")
span = (evs[-1][0] - evs[0][0]) / 1e3
print(f"traced {span:.0f} ms, {len(evs)} events")
queued = collections.Counter()
for ts, cpu, ev, rest, comm, pid in evs:
    if ev == 'workqueue_queue_work' and 'workqueue=kblockd' in rest:
        f = re.search(r'function=(\S+)', rest)
        queued[f.group(1) if f else '?'] += 1
print("kblockd work queued, by function:", dict(queued.most_common()))
for s, n in stacks.most_common(5): print(f"  {n:5d}  {s}")
# kblockd's runs: execute_start to execute_end on a kworker/N:1H.
runs, start = [], {}
for ts, cpu, ev, rest, comm, pid in evs:
    if not comm.endswith('H') or not comm.startswith('kworker'): continue
    if ev == 'workqueue_execute_start': start[pid] = ts
    elif ev == 'workqueue_execute_end' and pid in start: runs.append(ts - start.pop(pid))
if runs:
    print(f"kblockd work items run: {len(runs)}, one every {span / len(runs):.2f} ms; "
          f"run median {statistics.median(runs):.1f} us, mean {statistics.mean(runs):.1f} us")
# The workers: made when, and what each worker's switches out were.
# A new io thread is made by the task that owns the ring (task_newtask in its context, named after it).
made = [(ts, rest) for ts, cpu, ev, rest, comm, pid in evs if ev == 'task_newtask' and 'comm=iosim-job' in rest]
t0 = evs[0][0]
print("threads made by the job thread at (ms):", [round((ts - t0) / 1e3, 2) for ts, _ in made])
outs = collections.Counter()
for ts, cpu, ev, rest, comm, pid in evs:
    if ev == 'sched_switch' and 'prev_comm=iou-wrk' in rest:
        state = re.search(r'prev_state=(\S+)', rest).group(1)
        nxt = re.search(r'next_comm=(.+?) next_pid', rest).group(1)
        nxt = re.sub(r'\d+', 'N', nxt)
        outs[(state, nxt)] += 1
print("iou-wrk switched out (state, to):", dict(outs.most_common(8)))
EOF
[ -n "${KEEP:-}" ] && cp "$out/trace" "$KEEP"; rm -rf "$out"
