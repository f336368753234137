# Makefile -- PGXS build of the pg_autouser extension; the C++ core is built
# by CMake (CMakeLists.txt) and linked in statically.  `make test` runs every
# suite (test/run_all.sh); `make demo` shows the product end to end.

EXTENSION = pg_autouser
MODULE_big = pg_autouser
DATA = sql/pg_autouser--1.0.sql
OBJS = \
	extension/pg_autouser.o \
	extension/guc.o \
	extension/queue.o \
	extension/rules_cache.o \
	extension/cert_attrs.o \
	extension/plan.o \
	extension/auth_hook.o \
	extension/worker.o \
	extension/sql_funcs.o \
	extension/core_bridge.o \
	extension/role_lock.o \
	extension/admin_sql.o \
	extension/events.o \
	extension/cleanup.o \
	extension/cleanup_worker.o

CORE_BUILD ?= build/core
CORE_LIB = $(CORE_BUILD)/libpg_autouser_core.a
CMAKE_FLAGS ?=

PG_CPPFLAGS = -I$(srcdir)/cpp_core/include
SHLIB_LINK = $(CORE_LIB) -lstdc++ -lcrypto
EXTRA_CLEAN = build

REGRESS = $(patsubst sql/%.sql,%,$(filter-out sql/pg_autouser--%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-config=test/pg_autouser.conf --temp-instance=./tmp_check --inputdir=.

# No LLVM bitcode: it needs clang at install time and buys nothing here.
override with_llvm = no
# Rebuild objects when a header they include changes.
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(shlib): $(CORE_LIB)

.PHONY: core
core $(CORE_LIB):
	cmake -S $(srcdir) -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(CORE_BUILD) -j2 --target pg_autouser_core

# The helper CLI (cpp_core/cli) is installed next to psql: $(bindir)/pg_autouser.
CLI = $(CORE_BUILD)/cpp_core/cli/pg_autouser

install: install-cli

.PHONY: cli install-cli
cli:
	cmake -S $(srcdir) -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(CORE_BUILD) -j2 --target pg_autouser

install-cli: cli
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/pg_autouser'

# The benchmark (bench/, docs/benchmarks.md) is installed next to it: $(bindir)/pg_autouser_bench,
# where test/t/020_bench_smoke.pl finds it.  `make bench` runs the full benchmark.
BENCH = $(CORE_BUILD)/bench/pg_autouser_bench

install: install-bench

.PHONY: bench-build install-bench
bench-build:
	cmake -S $(srcdir) -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(CORE_BUILD) -j2 --target pg_autouser_bench

install-bench: bench-build
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(BENCH) '$(DESTDIR)$(bindir)/pg_autouser_bench'

.PHONY: test demo bench
test:
	bash test/run_all.sh

bench:
	bash bench/run.sh

demo:
	bash demo/demo.sh
