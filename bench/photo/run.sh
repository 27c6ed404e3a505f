#!/usr/bin/env bash
# Compares the Go photo pipeline (jobs/photo) with sharp/libvips on the same
# generated photos and the same cores, and prints one table.
#
#   bench/photo/run.sh [-cpus 2] [-n 3] [-files 4] [-sizes 6000x4000,2000x1333] [-keep DIR]
#
# BENCH_CPUS sets -cpus's default. Needs node >= 18 and npm; sharp comes from
# npm with its prebuilt libvips, pinned by package-lock.json.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bench/internal/bench.sh"

bench_args "$@"
bench_npm "$root/bench/photo" # sharp
bench_run ./bench/photo ${args[@]+"${args[@]}"}
