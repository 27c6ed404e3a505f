#!/usr/bin/env bash
# Compares the Go photo pipeline (jobs/photo) with sharp/libvips on the same
# generated photos and the same cores, and prints one table.
#
#   bench/photo/run.sh [-cpus 2] [-n 3] [-files 4] [-sizes 6000x4000,2000x1333] [-keep DIR]
#
# BENCH_CPUS sets -cpus's default. Needs node >= 18 and npm; sharp comes from
# npm with its prebuilt libvips, pinned by package-lock.json.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

online="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
cpus="${BENCH_CPUS:-2}"
if [ "$cpus" -gt "$online" ]; then cpus="$online"; fi

echo "installing sharp..." >&2
(cd "$here" && if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
else
	npm install --no-audit --no-fund --loglevel=error
fi) >&2

# Pin both pipelines (this program and the node child) to the same CPUs.
pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c "0-$((cpus - 1))")
fi

cd "$root"
bin="$(mktemp -d)/bench-photo"
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -o "$bin" ./bench/photo
"${pin[@]}" "$bin" -cpus "$cpus" "$@"
