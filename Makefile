# Makefile -- PGXS build of the pg_autouser extension; the C++ core is built
# by CMake (CMakeLists.txt) and linked in statically.  `make test` runs every
# suite (test/run_all.sh); `make demo` shows the product end to end.

EXTENSION = pg_autouser
MODULE_big = pg_autouser
DATA = sql/pg_autouser--1.0.sql sql/pg_autouser--1.1.sql sql/pg_autouser--1.0--1.1.sql
OBJS = \
	extension/pg_autouser.o \
	extension/guc.o \
	extension/shmem.o \
	extension/queue.o \
	extension/sessions.o \
	extension/workers.o \
	extension/rules_cache.o \
	extension/events.o \
	extension/stats.o \
	extension/cert_attrs.o \
	extension/managed.o \
	extension/plan.o \
	extension/report.o \
	extension/ask.o \
	extension/auth_hook.o \
	extension/password_hook.o \
	extension/self_alter.o \
	extension/terminate.o \
	extension/role_lock.o \
	extension/run_as.o \
	extension/schema_trust.o \
	extension/role_ddl.o \
	extension/worker_settings.o \
	extension/rule_options.o \
	extension/role_options.o \
	extension/worker_runtime.o \
	extension/worker.o \
	extension/cleanup.o \
	extension/rule_change.o \
	extension/cleanup_worker.o \
	extension/leases.o \
	extension/standby_api.o \
	extension/primary_link.o \
	extension/forward.o \
	extension/replica_duty.o \
	extension/standby_rule_change.o \
	extension/sql_funcs.o \
	extension/rule_funcs.o \
	extension/core_bridge.o

# The C++ core is built by CMake into a static PIC library and linked in.  It
# is rebuilt whenever one of its sources changes; the configure line lives
# in cmake_build alone, and a make -j jobserver reaches CMake's make (+).
BUILD_DIR ?= build
CORE_BUILD = $(BUILD_DIR)/core
CORE_LIB = $(CORE_BUILD)/libpg_autouser_core.a
CORE_SOURCES = $(wildcard $(srcdir)/cpp_core/src/*.cpp $(srcdir)/cpp_core/src/*.hpp) \
	$(srcdir)/cpp_core/include/pg_autouser/core_api.h $(srcdir)/CMakeLists.txt
CMAKE_FLAGS ?=

# $(1): build dir, $(2): CMake options, $(3): target.
define cmake_build
cmake -S $(srcdir) -B $(1) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(2) $(CMAKE_FLAGS) >/dev/null
+cmake --build $(1) --target $(3)
endef

PG_CPPFLAGS = -I$(srcdir)/cpp_core/include -I$(libpq_srcdir)
# libcrypto as the server links it (contrib/sslinfo does the same); libpq
# for a standby's link to its primary, as contrib/dblink links it.
SHLIB_LINK = $(CORE_LIB) -lstdc++ $(filter -lssl -lcrypto, $(LIBS))
SHLIB_LINK_INTERNAL = $(libpq)
EXTRA_CLEAN = $(BUILD_DIR) tmp_check_iso tmp_isolation_tls output_iso

REGRESS = $(patsubst sql/%.sql,%,$(filter-out sql/pg_autouser--%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-config=test/pg_autouser.conf --temp-instance=./tmp_check --inputdir=.
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(wildcard test/isolation/specs/*.spec))
# The isolation instance speaks TLS on 127.0.0.1 so that specs can log in by
# certificate (test/isolation/make_tls.sh).
ISOLATION_TLS = ./tmp_isolation_tls
ISOLATION_OPTS = --temp-config=test/isolation/pg_autouser.conf \
	--temp-config=$(ISOLATION_TLS)/tls.conf --host=127.0.0.1 \
	--temp-instance=./tmp_check_iso --inputdir=test/isolation
TAP_TESTS = 1
PROVE_TESTS = $(or $(TAP_ONLY),test/t/*.pl)
PROVE_FLAGS = --timer

# No LLVM bitcode: it needs clang at install time and buys nothing here.
override with_llvm = no
# Rebuild objects when a header they include changes.
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(shlib): $(CORE_LIB)

# A VPATH build (pg_buildext builds in one directory per PostgreSQL version,
# debian/rules) writes the objects into extension/ under the build directory.
# The path is absolute so that make does not find the source's extension/
# through VPATH and take the directory as made.
ifdef VPATH
$(OBJS): | $(CURDIR)/extension
$(CURDIR)/extension:
	$(MKDIR_P) $@
endif

# Only the core: no GoogleTest, libpq or CLI needed to build the extension.
$(CORE_LIB): $(CORE_SOURCES)
	$(call cmake_build,$(CORE_BUILD),-DPG_AUTOUSER_TESTS=OFF -DPG_AUTOUSER_CLI=OFF -DPG_AUTOUSER_BENCH=OFF,pg_autouser_core)

# The helper CLI (cpp_core/cli) is installed next to psql: $(bindir)/pg_autouser.
CLI = $(BUILD_DIR)/cli/cpp_core/cli/pg_autouser

.PHONY: cli install-cli
cli:
	$(call cmake_build,$(BUILD_DIR)/cli,-DPG_AUTOUSER_TESTS=OFF -DPG_AUTOUSER_BENCH=OFF,pg_autouser)

# The Debian packages (debian/rules) ship the CLI once, in pg-autouser-cli,
# rather than in every PostgreSQL version's package: INSTALL_CLI=no.
INSTALL_CLI ?= yes
ifeq ($(INSTALL_CLI),yes)
install: install-cli
endif
install-cli: cli
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/pg_autouser'

# The benchmark client stays in the build tree (bench/run.sh, test/run_all.sh find it).
.PHONY: bench-build
bench-build:
	$(call cmake_build,$(BUILD_DIR)/bench,-DPG_AUTOUSER_TESTS=OFF -DPG_AUTOUSER_CLI=OFF,pg_autouser_bench)

.PHONY: test demo bench
test:
	bash test/run_all.sh

bench:
	bash bench/run.sh

demo:
	bash demo/demo.sh

# Each suite of installcheck on its own, so that test/run_all.sh counts all
# three even when one fails.
.PHONY: installcheck-regress installcheck-isolation installcheck-tap
installcheck-regress: submake $(REGRESS_PREP)
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation: submake
	rm -rf $(ISOLATION_TLS) && bash test/isolation/make_tls.sh $(ISOLATION_TLS)
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
installcheck-tap: submake
	$(prove_installcheck)

# Debian packages (debian/): postgresql-NN-pg-autouser for each PostgreSQL
# version whose server headers are installed here (or PG_VERSIONS="15 17"),
# and pg-autouser-cli, written to $(DEB_DIR).  Installs the build
# dependencies with apt-get first (as root).
DEB_DIR ?= $(BUILD_DIR)/deb
.PHONY: deb
deb:
	PG_VERSIONS="$(PG_VERSIONS)" bash debian/make_deb.sh "$(DEB_DIR)"
