#!/usr/bin/env bash
# run_all.sh -- `make test`: installs what the tests need (Debian packages),
# builds and installs the extension, then runs every suite -- formatting,
# core unit tests (plain and with ASan+UBSan), and PGXS's installcheck
# suites: pg_regress, isolation, end-to-end TAP -- and ends with one line
# "N passed, N failed".  Usage: run_all.sh [suite...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(format unit sanitize build regress isolation tap)

bash "$top/test/install_deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
PG_BIN=$(pg_config --bindir)
JOBS=${JOBS:-$(nproc)}

passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Tests that start a server run as an unprivileged user (initdb refuses
# root) in a private copy of the tree.
RUN_USER=${RUN_USER:-postgres}
as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$RUN_USER" -- env PATH="$PG_BIN:$PATH" "$@"
	else
		env PATH="$PG_BIN:$PATH" "$@"
	fi
}

work=$(mktemp -d /tmp/pg_autouser_test.XXXXXX)
[ -n "${KEEP_WORK:-}" ] && echo "work dir: $work" || trap 'rm -rf "$work"' EXIT

build_and_install() {
	local log="$work/build.log"
	make -C "$top" -s -j"$JOBS" \
		PG_CFLAGS="-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror" >"$log" 2>&1 &&
		make -C "$top" -s install >>"$log" 2>&1 &&
		make -C "$top" -s -j"$JOBS" bench-build >>"$log" 2>&1 || { tail -n 40 "$log"; return 1; }
}

copy_tree() {
	mkdir -p "$work/tree" "$work/bin"
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$work/tree" -xf -
	cp "$top/build/bench/bench/pg_autouser_bench" "$work/bin/"
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$work"
	chmod 755 "$work"
}

run_ctest() {
	local dir=$1; shift
	cmake -S "$top" -B "$dir" -DPG_AUTOUSER_WERROR=ON -DPG_AUTOUSER_BENCH=OFF "$@" >/dev/null &&
		cmake --build "$dir" -j"$JOBS" >/dev/null || { echo "core build failed ($*)"; count 0 1; return; }
	local out
	out=$(cd "$dir" && ctest --output-on-failure 2>&1)
	echo "$out" | tail -n 15
	local total fails
	total=$(echo "$out" | sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' | tail -1)
	fails=$(echo "$out" | sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' | tail -1)
	[ -n "$total" ] || { count 0 1; return; }
	count $((total - fails)) "$fails"
}

# pg_regress and pg_isolation_regress: one line per test, "ok"/"FAILED".
run_pg_regress() {
	local target=$1 diffs=$2 out rc
	out=$(cd "$work/tree" && as_user make -s "$target" 2>&1); rc=$?
	echo "$out" | tail -n 40
	local ok bad
	ok=$(echo "$out" | grep -cE '^(ok|test) .* ok|^ok ')
	bad=$(echo "$out" | grep -cE 'FAILED|failed \(ignored\)|^not ok ')
	if [ $rc -ne 0 ] && [ "$bad" = 0 ]; then bad=1; fi
	[ -f "$work/tree/$diffs" ] && cat "$work/tree/$diffs"
	count "$ok" "$bad"
}

run_regress() { run_pg_regress installcheck-regress regression.diffs; }
run_isolation() { run_pg_regress installcheck-isolation output_iso/regression.diffs; }

run_tap() {
	local out rc
	out=$(cd "$work/tree" && as_user env AUTOUSER_BENCH_BIN="$work/bin/pg_autouser_bench" \
		PG_TEST_TIMEOUT_DEFAULT=60 make -s installcheck-tap ${TAP_ONLY:+TAP_ONLY="test/t/$TAP_ONLY.pl"} 2>&1); rc=$?
	echo "$out" | tail -n 60
	if [ $rc -ne 0 ]; then
		for f in "$work"/tree/tmp_check/log/*.log; do
			[ -f "$f" ] && { echo "== $f"; tail -n 80 "$f"; }
		done
	fi
	# Count assertions: prove's summary line "Tests=N".
	local total bad
	total=$(echo "$out" | sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p')
	bad=$(echo "$out" | sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' | awk '{s+=$1} END {print s+0}')
	[ -n "$total" ] || { count 0 1; return; }
	# A script that died before its plan has no failed subtest: count it once.
	local died
	died=$(echo "$out" | grep -cE '\(Wstat: [1-9][0-9]* .*Failed: 0\)')
	if [ $rc -ne 0 ] && [ "$bad" = 0 ] && [ "$died" = 0 ]; then bad=1; fi
	local ok=$((total - bad))
	[ "$ok" -ge 0 ] || ok=0
	count "$ok" $((bad + died))
}

# The PGXS build relinks the core when one of its sources changes: in a
# copy of the tree, build, add a marker to a core file, build again, and
# look for the marker in the extension's shared library.
run_build() {
	local dir="$work/buildcheck" marker="autouser_build_probe_$$_$RANDOM"
	mkdir -p "$dir"
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$dir" -xf -
	if ! make -C "$dir" -s -j"$JOBS" >"$work/buildcheck.log" 2>&1; then
		tail -n 20 "$work/buildcheck.log"; count 0 1; return
	fi
	echo "extern \"C\" const char ${marker}[] = \"${marker}\";" >>"$dir/cpp_core/src/glob.cpp"
	make -C "$dir" -s -j"$JOBS" >>"$work/buildcheck.log" 2>&1
	if grep -qa "$marker" "$dir/pg_autouser.so"; then
		count 1 0
	else
		echo "an edit of cpp_core/src/glob.cpp did not reach pg_autouser.so"; count 0 1
	fi
}

# Formatting: C++ (.clang-format) and the C glue (extension/.clang-format,
# close to pgindent), one check for the whole tree.
run_format() {
	local files
	files=$(cd "$top" && git ls-files 'cpp_core/*.cpp' 'cpp_core/*.hpp' 'test/unit/*.cpp' 'test/unit/*.hpp' \
		'bench/*.cpp' 'bench/*.hpp' 'extension/*.c' 'extension/*.h' 2>/dev/null)
	# Without git (a copy of the tree, as test/versions.sh makes): the same files.
	[ -n "$files" ] || files=$(cd "$top" && { find cpp_core bench -name '*.[ch]pp'
		find test/unit -maxdepth 1 -name '*.[ch]pp'; find extension -maxdepth 1 -name '*.[ch]'; } 2>/dev/null)
	if (cd "$top" && clang-format --dry-run -Werror $files); then count 1 0; else count 0 1; fi
}

need_install=1
for s in "${suites[@]}"; do
	case $s in
		format) echo "== clang-format"; run_format ;;
		unit) echo "== core unit tests"; run_ctest "$work/build-unit" ;;
		sanitize) echo "== core unit tests, ASan + UBSan"; run_ctest "$work/build-asan" -DPG_AUTOUSER_SANITIZE=ON ;;
		build) echo "== the build relinks a changed core"; run_build ;;
		regress|isolation|tap)
			if [ $need_install = 1 ]; then
				echo "== build and install the extension"
				build_and_install || { echo "extension build failed"; count 0 1; break; }
				copy_tree
				need_install=0
			fi
			echo "== $s"
			"run_$s" ;;
		*) echo "unknown suite $s"; count 0 1 ;;
	esac
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
