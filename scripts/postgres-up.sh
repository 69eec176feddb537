#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a free loopback port for the tests, installing
# Debian's postgresql when missing, and prints the shell lines that point the tests at it
# (eval them). scripts/postgres-down.sh stops it and removes its files. fsync is off (tests)
# unless ZAILAI_PG_FSYNC=on (benchmarks); ZAILAI_PG_OPTS adds settings ("-c work_mem=64MB …").
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/zailai-pg.XXXXXX)
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir" # initdb refuses to run as root
  as_owner=(runuser -u postgres --)
fi
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U zailai --no-sync >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${ZAILAI_PG_FSYNC:-off} ${ZAILAI_PG_OPTS:-}" start >/dev/null
echo "export ZAILAI_TEST_POSTGRES='host=127.0.0.1 port=$port user=zailai dbname=postgres'"
echo "export ZAILAI_PG_DIR='$dir' ZAILAI_PG_BIN='$bin'"
