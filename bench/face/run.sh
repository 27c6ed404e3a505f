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

root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bench/internal/bench.sh"

bench_args "$@"
bench_models
bench_npm "$root/bench/face" # human and tfjs
bench_run ./bench/face ${args[@]+"${args[@]}"}
