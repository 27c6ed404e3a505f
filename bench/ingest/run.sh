#!/usr/bin/env bash
# Ingest end to end through Lightbox's HTTP API (face matching off, then
# the built-in face index on), beside sharp/libvips making the same
# derivatives of the same photos on the same cores; prints one table.
#
#   bench/ingest/run.sh [-cpus 2] [-n 40] [-size 6000x4000] [-rounds 1] [-faces off,builtin] [-keep]
#
# BENCH_CPUS sets -cpus's default. Needs node >= 18 and npm; sharp comes
# from npm (bench/photo's package-lock.json). The face index needs the
# models (make models).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

online="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
cpus="${BENCH_CPUS:-2}"
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-cpus | --cpus) cpus="$2"; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
if [ "$cpus" -gt "$online" ]; then cpus="$online"; fi

if [ ! -f "$root/jobs/face/models/faceres.bin" ]; then
	"$root/scripts/fetch-face-models.sh" >&2
fi

echo "installing sharp..." >&2
(cd "$root/bench/photo" && npm ci --no-audit --no-fund --loglevel=error) >&2

# Pin everything (this program, the servers it starts, node) to the same CPUs.
pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c "0-$((cpus - 1))")
fi

cd "$root"
bin="$(mktemp -d)/bench-ingest"
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -o "$bin" ./bench/ingest
"${pin[@]}" "$bin" -cpus "$cpus" "${args[@]}"
