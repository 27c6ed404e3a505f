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

root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/bench/internal/bench.sh"

bench_args "$@"
bench_models
bench_npm "$root/bench/photo" # sharp
bench_run ./bench/ingest ${args[@]+"${args[@]}"}
