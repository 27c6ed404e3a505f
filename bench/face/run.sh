#!/usr/bin/env bash
# Compares the Go face engine (jobs/face) with @vladmandic/human on the tfjs
# WASM backend, on the same photos, models and cores, and prints one table.
#
#   bench/face/run.sh [-cpus 2] [-n 3] [-size 1600] [-samples DIR] [-keep DIR]
#
# BENCH_CPUS sets -cpus's default. Needs node >= 18 and npm; human and tfjs
# come from npm, pinned by package-lock.json. The models are the ones the Go
# engine embeds (make models); the sample photos are the face engine's test
# photos, fetched with npm on first use.
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

echo "installing human and tfjs..." >&2
(cd "$here" && if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
else
	npm install --no-audit --no-fund --loglevel=error
fi) >&2

# Pin both engines (this program and the node children) to the same CPUs.
pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c "0-$((cpus - 1))")
fi

cd "$root"
bin="$(mktemp -d)/bench-face"
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -o "$bin" ./bench/face
"${pin[@]}" "$bin" -cpus "$cpus" "${args[@]}"
