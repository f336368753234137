// no_postgres.hpp -- build guard: fails if a PostgreSQL header came first; declares nothing.
// The check sits outside any include guard on purpose, so every inclusion re-checks.
#ifdef POSTGRES_H
#error "pg_autouser core must not see PostgreSQL headers (postgres.h was included)"
#endif
