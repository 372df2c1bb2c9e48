# Sourced by the trace scripts from the project root: tracefs mounted and writable at $T (else exit 1), the
# release iosim built as $iosim, and a scratch directory $out.
T=/sys/kernel/tracing
[ -w "$T/tracing_on" ] || mount -t tracefs nodev "$T" 2>/dev/null || true
if [ ! -w "$T/tracing_on" ]; then echo "needs root and tracefs at $T" >&2; exit 1; fi
swift build -c release --product iosim >/dev/null
iosim=$PWD/.build/release/iosim
out=$(mktemp -d)
