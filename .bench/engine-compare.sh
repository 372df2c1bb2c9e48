#!/usr/bin/env bash
# Engine speed side by side with the C reference of shared/bench (same workload, same machine, one run):
# simulated IOs per wall second and peak memory, at 10^5, 10^6 and 10^7 IOs, rounds interleaved so that
# machine noise hits both alike. Usage: .bench/engine-compare.sh [ROUNDS] (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shared=${SHARED:-../shared}
swift build -c release --product iosim >/dev/null
iosim=.build/release/iosim
cref=$(mktemp -d)/c_ref
if [ -f "$shared/bench/c_ref.c" ]; then
  gcc -O3 -march=native -o "$cref" "$shared/bench/c_ref.c" -lm
else
  echo "no $shared/bench/c_ref.c: running iosim alone"; cref=""
fi
printf '%-8s %-6s %14s %14s %10s %12s %12s\n' ios round iosim_ios/s c_ios/s ratio iosim_rss_MB c_rss_MB
for n in 100000 1000000 10000000; do
  for r in $(seq 1 "$rounds"); do
    out=$("$iosim" bench --ios "$n")
    ips=$(echo "$out" | sed -n 's/.*"iosPerSecond": \([0-9.e+]*\).*/\1/p')
    rss=$(echo "$out" | sed -n 's/.*"peakMemoryBytes": \([0-9]*\).*/\1/p')
    if [ -n "$cref" ]; then
      cout=$( { /usr/bin/time -f 'rss %M' "$cref" --n "$n"; } 2>&1 )
      wall=$(echo "$cout" | awk '/^wall_s/ {print $2}')
      crss=$(echo "$cout" | awk '/^rss/ {print $2}')
      cips=$(awk -v n="$n" -v w="$wall" 'BEGIN {printf "%.0f", n / w}')
      ratio=$(awk -v a="$ips" -v b="$cips" 'BEGIN {printf "%.3f", a / b}')
      printf '%-8s %-6s %14.0f %14s %10s %12.1f %12.1f\n' "$n" "$r" "$ips" "$cips" "$ratio" \
        "$(awk -v x="$rss" 'BEGIN {print x / 1e6}')" "$(awk -v x="$crss" 'BEGIN {print x / 1e3}')"
    else
      printf '%-8s %-6s %14.0f %14s %10s %12.1f %12s\n' "$n" "$r" "$ips" - - "$(awk -v x="$rss" 'BEGIN {print x / 1e6}')" -
    fi
  done
done
