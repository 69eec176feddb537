#!/usr/bin/env bash
# Stops the cluster scripts/postgres-up.sh started and removes it.
set -u
[ -n "${ZAILAI_PG_DIR:-}" ] && [ -d "$ZAILAI_PG_DIR" ] || exit 0
as_owner=()
[ "$(id -u)" -eq 0 ] && as_owner=(runuser -u postgres --)
"${as_owner[@]}" "$ZAILAI_PG_BIN/pg_ctl" -D "$ZAILAI_PG_DIR/data" -m immediate stop >/dev/null 2>&1
rm -rf "$ZAILAI_PG_DIR"
