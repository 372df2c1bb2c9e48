#!/usr/bin/env bash
# Where the interrupt time of a workload goes, read from the kernel's tracepoints while `iosim real` runs
# validation scenarios: the handlers' and softirqs' durations by name and vector (hard interrupts nested in a
# softirq taken out of it), per IO; what the CPU was running when the disk's interrupt came (idle, or which
# thread); the wake-ups done in softirq context on the same CPU; and the IPIs sent from softirq and hard-irq
# context (ipi_send_cpu: the wake-ups queued to another CPU). Beside it, /proc/stat's tick-sampled irq +
# softirq of an untraced run of the same scenario, and that run's IOPS.
#
# Needs root (it enables tracepoints in /sys/kernel/tracing and turns them off again) and python3.
# Usage: .bench/trace-interrupts.sh [DURATION] [SCENARIO...] (default 1s; pool-4k uring-4k-qd4 uring-4k-qd1
# sqpoll-qd1, names of Scenarios/validation/*.json5).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1s}
shift || true
scenarios=${*:-pool-4k uring-4k-qd4 uring-4k-qd1 sqpoll-qd1}
. .bench/tracing.sh
buffer_kb=$(cat $T/buffer_size_kb | grep -o '^[0-9]*')
restore() {
  echo 0 > $T/tracing_on; echo 0 > $T/events/enable; echo > $T/trace; echo "${buffer_kb:-1408}" > $T/buffer_size_kb
}
trap restore EXIT
for s in $scenarios; do
  "$iosim" real "Scenarios/validation/$s.json5" --duration "$duration" --format json --quiet > "$out/$s.untraced.json"
  echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
  for e in irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit sched/sched_switch \
    sched/sched_wakeup ipi/ipi_send_cpu; do
    echo 1 > "$T/events/$e/enable"
  done
  echo 1 > $T/tracing_on
  "$iosim" real "Scenarios/validation/$s.json5" --duration "$duration" --format json --quiet > "$out/$s.json"
  echo 0 > $T/tracing_on
  cat $T/trace > "$out/$s.trace"
  echo 0 > $T/events/enable
  python3 - "$out/$s.trace" "$out/$s.json" "$out/$s.untraced.json" "$s" <<'PY'
import re, sys, json, collections
pat = re.compile(r'^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\w+):(.*)$')
r, u = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
disk = set(u['system'].get('diskIRQLines', '').split(',')) - {''}
irq_since, sirq_since, nested = {}, {}, collections.Counter()
total, count, seen = collections.Counter(), collections.Counter(), collections.Counter()
running = {}
for line in open(sys.argv[1]):
    m = pat.match(line)
    if not m: continue
    comm, pid, cpu, flags, ts, ev, rest = m.groups()
    ts, cpu = float(ts) * 1e9, int(cpu)
    if ev == 'sched_switch':
        running[cpu] = re.search(r'next_comm=(\S+)', rest).group(1)
    elif ev == 'irq_handler_entry':
        irq_since[cpu] = (ts, re.search(r'name=(\S+)', rest).group(1))
        if irq_since[cpu][1] in disk:
            on = running.get(cpu, '?')
            seen['disk interrupt on ' + ('idle' if on.startswith('swapper') else on[:12])] += 1
    elif ev == 'irq_handler_exit' and cpu in irq_since:
        start, name = irq_since.pop(cpu)
        total['irq ' + name] += ts - start; count['irq ' + name] += 1
        if cpu in sirq_since: nested[cpu] += ts - start
    elif ev == 'softirq_entry':
        sirq_since[cpu] = (ts, re.search(r'action=(\w+)', rest).group(1)); nested[cpu] = 0
    elif ev == 'softirq_exit' and cpu in sirq_since:
        start, vec = sirq_since.pop(cpu)
        total['softirq ' + vec] += ts - start - nested[cpu]; count['softirq ' + vec] += 1
    elif ev == 'sched_wakeup' and 's' in flags[:4]:
        target = int(re.search(r'target_cpu=(\d+)', rest).group(1))
        seen['wake-up in softirq, ' + ('same CPU' if target == cpu else 'another CPU')] += 1
    elif ev == 'ipi_send_cpu':
        seen['IPI sent from ' + ('softirq' if 's' in flags[:4] else 'hard irq' if 'h' in flags[:4] else 'a thread')] += 1
ios = r['io']['completed']
def ticks(d):
    t = d['cpu']['total']
    return (t['irq'] + t['deferred']) * d['elapsedNs'] * d['cpu']['count'] / d['io']['completed']
print(f"{sys.argv[4]}: {ios} IOs traced at {r['io']['iops']:.0f} IOPS ({u['io']['iops']:.0f} untraced); traced "
      f"irq + softirq {sum(total.values()) / ios:.0f} ns per IO; the ticks' {ticks(u):.0f} ns per IO untraced")
for k in sorted(total, key=lambda k: -total[k])[:6]:
    print(f"  {k:26s} {count[k]:7d} runs, mean {total[k] / count[k]:7.0f} ns, {total[k] / ios:6.0f} ns per IO")
for k, n in sorted(seen.items()):
    print(f"  {k:40s} {n:7d} ({n / ios:.3f} per IO)")
PY
done
rm -rf "$out"
