#!/usr/bin/env bash
# run.sh -- `make bench`: installs what the benchmark needs (Debian packages), builds and
# installs the extension for the PostgreSQL whose pg_config is first on PATH, builds
# pg_autouser_bench in the build tree (`make bench-build`; it is never installed), then runs
# bench/run_bench.pl as an unprivileged user (initdb refuses root) in a private copy of the
# tree, the way test/run_all.sh runs the TAP suites.  Keeps bench/results/latest.md and
# latest.json.  Arguments go to run_bench.pl (e.g. --smoke, --rounds N, -- --storm 500).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/test/install_deps.sh" || exit 1
PG_BIN=$(pg_config --bindir)
JOBS=${JOBS:-$(nproc)}
PGXS_DIR=$(dirname "$(pg_config --pgxs)")/..
RUN_USER=${RUN_USER:-postgres}

as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$RUN_USER" -- env PATH="$PG_BIN:$PATH" "$@"
	else
		env PATH="$PG_BIN:$PATH" "$@"
	fi
}

echo "== build and install the extension into $PG_BIN/..; build pg_autouser_bench"
make -C "$top" -s -j"$JOBS" >/dev/null &&
	make -C "$top" -s install >/dev/null &&
	make -C "$top" -s -j"$JOBS" bench-build >/dev/null || { echo "build failed"; exit 1; }

work=$(mktemp -d /tmp/pg_autouser_bench.XXXXXX)
[ -n "${KEEP_WORK:-}" ] && echo "work dir: $work" || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree" "$work/bin"
(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$work/tree" -xf -
# A copy the unprivileged user can run, wherever the build tree is.
cp "$top/build/bench/bench/pg_autouser_bench" "$work/bin/"
[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$work"
chmod 755 "$work"

echo "== benchmark"
(cd "$work/tree" && as_user env \
	PERL5LIB="$PGXS_DIR/test/perl:$work/tree/test/perl" \
	PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
	TESTDIR="$work/tree" PG_TEST_TIMEOUT_DEFAULT=300 \
	perl bench/run_bench.pl --bin "$work/bin/pg_autouser_bench" --out "$work/latest.md" --json "$work/latest.json" "$@")
rc=$?
if [ -f "$work/latest.md" ] && [ -f "$work/latest.json" ]; then
	mkdir -p "$top/bench/results"
	cp "$work/latest.md" "$work/latest.json" "$top/bench/results/"
	echo "results: bench/results/latest.md, bench/results/latest.json"
fi
if [ $rc -ne 0 ]; then
	for f in "$work"/tree/tmp_check/log/*.log; do
		[ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }
	done
fi
exit $rc
