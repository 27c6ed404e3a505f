# Sourced by the bench/*/run.sh scripts: the steps they share.
#
#   . "$root/bench/internal/bench.sh"
#   bench_args "$@"              # sets $cpus (from -cpus, BENCH_CPUS, at most the CPUs online) and $args
#   bench_models                 # fetches the face models if they are missing
#   bench_npm DIR                # installs DIR's node packages, pinned by its package-lock.json
#   bench_run ./bench/NAME ...   # builds the Go program and runs it pinned to $cpus CPUs

# bench_args reads -cpus N from the arguments; the rest are kept in $args
# for the Go program, which is given -cpus too.
bench_args() {
	local online
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
}

bench_models() {
	if [ ! -f "$root/jobs/face/models/faceres.bin" ]; then
		"$root/scripts/fetch-face-models.sh" >&2
	fi
}

bench_npm() {
	echo "installing node packages in ${1#"$root"/}..." >&2
	(cd "$1" && if [ -f package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error
	else
		npm install --no-audit --no-fund --loglevel=error
	fi) >&2
}

# bench_run builds the Go program PKG and runs it with -cpus and $args,
# pinned (with every process it starts: servers, node) to the same CPUs.
bench_run() {
	local pkg="$1" pin=() dir
	shift
	if command -v taskset >/dev/null 2>&1; then
		pin=(taskset -c "0-$((cpus - 1))")
	fi
	dir="$(mktemp -d)"
	trap "rm -rf '$dir'" EXIT
	(cd "$root" && CGO_ENABLED=0 go build -o "$dir/bench" "$pkg")
	(cd "$root" && "${pin[@]}" "$dir/bench" -cpus "$cpus" "$@")
}
