#!/usr/bin/env bash
# The submission costs user space cannot tell apart, read from the kernel's own tracepoints (block, irq,
# sched, syscalls, io_uring) while `iosim real` runs the validation suite's workloads: the doorbell (the gap
# from block_rq_issue to the submitter's next event with no request outstanding, against one or more: a busy
# virtio device wants no kick), the kicks per IO of each run (to hold against the model's doorbells),
# a request's whole cost inside a batch (the slope of io_uring_enter to the batch's last block_rq_issue over
# its SQEs at depths 4, 16 and 64: built, then inserted and issued at the plug flush; io_uring_submit_req to the
# next at depth 16 is the build alone), the stall of a busy vCPU at a disk interrupt (the gap before an interrupt that comes inside a
# submission at depth 16: interrupts.busyStall), the whole submission at queue depth 1 (sys_enter to block_rq_issue), the local wake-up at queue
# depth 1 (the block softirq waking the reader on its own idle CPU, to the reader's first event there), and how
# the interrupts group the requests. Give the results to `iosim calibrate --given` (README, "Validation on this machine").
#
# Needs root (it enables tracepoints in /sys/kernel/tracing and turns them off again) and python3. Tracing
# slows every event a little: the script also runs queue depth 1 untraced and prints the ratio, by which the
# traced durations are long. Usage: .bench/trace-costs.sh [DURATION] (default 300ms per run).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-300ms}
. .bench/tracing.sh
events="block/block_rq_issue block/block_rq_complete block/block_unplug irq/irq_handler_entry irq/irq_handler_exit
  irq/softirq_entry irq/softirq_exit raw_syscalls/sys_enter raw_syscalls/sys_exit io_uring/io_uring_submit_req
  io_uring/io_uring_complete sched/sched_switch sched/sched_wakeup"
restore() {
  echo 0 > $T/tracing_on; echo 0 > $T/events/enable; echo > $T/trace; echo 1408 > $T/buffer_size_kb
}
trap restore EXIT
traced() {  # scenario name -> trace file
  echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
  for e in $events; do echo 1 > "$T/events/$e/enable"; done
  echo 1 > $T/tracing_on
  "$iosim" real "Scenarios/validation/$1.json5" --duration "$duration" --quiet > "$out/$1.report"
  echo 0 > $T/tracing_on
  cat $T/trace > "$out/$1.trace"
  echo 0 > $T/events/enable
}
for s in uring-4k-qd1 uring-4k-qd4 uring-4k-qd16 uring-4k-qd64 pool-4k; do traced "$s"; done
"$iosim" real Scenarios/validation/uring-4k-qd1.json5 --duration "$duration" --quiet > "$out/untraced.report"
python3 - "$out" <<'EOF'
import re, sys, collections, statistics
out = sys.argv[1]
pat = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):(.*)$')
def events(name):
    evs = []
    for line in open(f"{out}/{name}.trace"):
        m = pat.match(line)
        if m:
            comm, pid, cpu, flags, ts, ev, rest = m.groups()
            evs.append((float(ts) * 1e6, int(cpu), ev, rest, int(pid), flags))
    evs.sort(key=lambda e: e[0])
    return evs
def med(v): return statistics.median(v) if v else float('nan')
# Timestamps have a resolution of 1 us: a median of such differences is a whole number of microseconds and can be
# off by up to one; their mean is not biased that way. Give the means (less the tracing's own cost) to calibrate.
def stat(v):
    if not v: return "no samples"
    mean = statistics.mean(v)
    return f"median {med(v):.1f} us, mean {mean:.2f} us ({mean * ratio:.2f} untraced), n={len(v)}"
def iops(name):
    m = re.search(r'([\d]+) IOPS', open(f"{out}/{name}.report").read())
    return float(m.group(1)) if m else float('nan')
ratio = iops("uring-4k-qd1") / iops("untraced")
print(f"queue depth 1: {iops('untraced'):.0f} IOPS untraced, {iops('uring-4k-qd1'):.0f} traced: traced durations are long by 1/{ratio:.2f}")
for name in ["uring-4k-qd1", "uring-4k-qd4", "uring-4k-qd16", "uring-4k-qd64", "pool-4k"]:
    evs = events(name)
    # The doorbell: block_rq_issue to the next event on its CPU, by requests outstanding at the issue.
    nxt = {}
    last = {}
    for i, e in enumerate(evs):
        if e[1] in last: nxt[last[e[1]]] = i
        last[e[1]] = i
    # Requests outstanding: issued and not completed, by sector (the line's "SECTOR + COUNT").
    sector = re.compile(r'(\d+) \+ \d+')
    outstanding, gaps = set(), collections.defaultdict(list)
    for i, e in enumerate(evs):
        s = sector.search(e[3])
        if e[2] == 'block_rq_issue':
            if i in nxt: gaps[min(len(outstanding), 1)].append(evs[nxt[i]][0] - e[0])
            if s: outstanding.add(s.group(1))
        elif e[2] == 'block_rq_complete' and s:
            outstanding.discard(s.group(1))
    # Interrupt groups: requests completed per interrupt of the disk.
    groups, current = [], None
    for e in evs:
        if e[2] == 'irq_handler_entry' and 'virtio' in e[3]: current = [0]; groups.append(current)
        elif e[2] == 'block_rq_complete' and current is not None: current[0] += 1
    sizes = collections.Counter(g[0] for g in groups)
    print(f"{name}: block_rq_issue to the next event, no request outstanding {stat(gaps[0])}; "
          f"some outstanding {stat(gaps[1])}; requests per interrupt {sizes.most_common(4)}")
    # The kicks: a batch's last block_rq_issue followed by a gap of 10 us or more on its CPU (the VM exit),
    # against 1-3 us without one; per IO, to hold against the model's doorbells per IO.
    kicks, issues = 0, 0
    for i, e in enumerate(evs):
        if e[2] != 'block_rq_issue': continue
        issues += 1
        if i in nxt and evs[nxt[i]][2] not in ('block_rq_issue', 'io_uring_submit_req') and evs[nxt[i]][0] - e[0] >= 10:
            kicks += 1
    print(f"  kicks (a batch's last block_rq_issue, then 10 us or more to the next event): {kicks / max(1, issues):.3f} per IO")
    if name == "uring-4k-qd1":
        enter, spans = None, []
        for e in evs:
            if e[2] == 'sys_enter' and e[3].strip().startswith('NR 426'): enter = e[0]
            elif e[2] == 'block_rq_issue' and enter is not None: spans.append(e[0] - enter); enter = None
        print(f"  io_uring_enter to block_rq_issue (one read): {stat(spans)}")
        # The local wake-up: the block softirq wakes the reader on the CPU it slept on (idle: no IPI); from
        # that sched_wakeup (logged in softirq context, flag 's', by the idle task, pid 0) to the reader's
        # first event, counted when that is on the same CPU. It includes the switch to the reader (and the
        # model's idleExit, if any): give it less machine.contextSwitch.
        reader = collections.Counter(e[4] for e in evs if e[2] == 'sys_enter' and e[3].strip().startswith('NR 426'))
        pid = reader.most_common(1)[0][0] if reader else -1
        woken, local = {}, []
        for e in evs:
            if e[2] == 'sched_wakeup' and f'pid={pid} ' in e[3] and e[4] == 0 and len(e[5]) > 2 and e[5][2] == 's':
                m = re.search(r'target_cpu=(\d+)', e[3])
                if m and int(m.group(1)) == e[1]: woken[e[1]] = e[0]
            elif e[4] == pid and woken:
                if e[1] in woken: local.append(e[0] - woken[e[1]])
                woken.clear()
        print(f"  local wake-up, softirq's sched_wakeup to the reader's first event on that CPU: {stat(local)}")
    if name.startswith("uring-4k-qd") and name != "uring-4k-qd1":
        # A batch's submission by its size: io_uring_enter to the last block_rq_issue of its n SQEs (the plug
        # flush issues them all at its end), counted when nothing else ran on the CPU in between. The slope over
        # n is a request's whole cost (built, then inserted and issued at the flush: kernel.requestCreate and
        # uringSubmitPerSQE); what is left at n = 1 is the batch's (syscall entry, flush, driverSubmit).
        reader = collections.Counter(e[4] for e in evs if e[2] == 'sys_enter' and e[3].strip().startswith('NR 426'))
        pid = reader.most_common(1)[0][0] if reader else -1
        cur, batches = {}, []
        for e in evs:
            c = cur.get(e[1])
            if e[4] == pid and e[2] == 'sys_enter' and e[3].strip().startswith('NR 426'):
                cur[e[1]] = [e[0], 0, 0]
            elif c is None: continue
            elif e[2] in ('irq_handler_entry', 'softirq_entry', 'sched_switch', 'sys_exit'): cur[e[1]] = None
            elif e[2] == 'io_uring_submit_req': c[1] += 1
            elif e[2] == 'block_rq_issue':
                c[2] += 1
                if c[2] == c[1]: batches.append((c[1], e[0] - c[0])); cur[e[1]] = None
        if len({n for n, _ in batches}) > 1:
            mx = statistics.mean(n for n, _ in batches); my = statistics.mean(d for _, d in batches)
            slope = sum((n - mx) * (d - my) for n, d in batches) / sum((n - mx) ** 2 for n, _ in batches)
            sizes = collections.Counter(n for n, _ in batches).most_common(3)
            print(f"  io_uring_enter to a batch's last block_rq_issue: {slope:.2f} us per SQE ({slope * ratio:.2f} "
                  f"untraced) + {my - slope * mx:.2f} us, over {len(batches)} batches (most of sizes {sizes})")
    if name == "uring-4k-qd16":
        spacing, prev = [], None
        for e in evs:
            if e[2] == 'io_uring_submit_req':
                if prev is not None and e[0] - prev < 20: spacing.append(e[0] - prev)
                prev = e[0]
            elif e[2] in ('sys_exit', 'block_unplug'): prev = None
        print(f"  io_uring_submit_req to the next in one batch: {stat(spacing)}")
        # The busy stall: a disk interrupt reaching the vCPU inside a submission comes long after the last request
        # (the host completes a request and injects the interrupt while the vCPU waits); less one request's
        # spacing, that is interrupts.busyStall.
        last_on, stalls = {}, []
        for e in evs:
            if e[2] == 'irq_handler_entry' and 'virtio' in e[3] and last_on.get(e[1], ('', 0))[0] == 'io_uring_submit_req':
                stalls.append(e[0] - last_on[e[1]][1])
            last_on[e[1]] = (e[2], e[0])
        print(f"  a disk interrupt inside a submission, from the last request before it: {stat(stalls)}"
              f" (interrupts.busyStall: that less one request's spacing)")
EOF
rm -rf "$out"
