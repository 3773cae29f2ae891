# shellcheck shell=bash
# A private, throwaway MariaDB server: its own datadir, socket and free port in
# a temp dir, stopped by its own pid.  Sourced by scripts/test, demo and bench.
#
#   mariadb_start DIR      start a server under DIR; exports CIVIUP_TEST_MYSQL_*
#   mariadb_stop           stop it (by the pid it wrote), safe to call twice
#   mariadb_restart DIR    start DIR's server again (same datadir, port, options),
#                          e.g. after a fault test killed it
#
# Extra server options can be given in CIVIUP_MARIADB_OPTS.

# Ports are drawn below the kernel's ephemeral range: a port in that range can
# be taken at any moment as the local end of some outgoing connection (a CI
# run once lost its server to that), one below it only by another listener,
# which the retry in mariadb_start covers.
free_port() {
  local port low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  ((low > 12000)) || low=32768
  for _ in $(seq 1 200); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free TCP port found" >&2
  return 1
}

# Starts mariadbd on the datadir, port and options that mariadb_start chose
# for DIR, and waits until it answers.
mariadb_launch() {
  local dir=$1
  MARIADB_DIR=$dir
  MARIADB_PIDFILE=$dir/mariadb.pid
  MARIADB_SOCKET=$dir/mariadb.sock
  MARIADB_PORT=$(cat "$dir/port")
  local user_opt=()
  [[ $(id -u) -eq 0 ]] && user_opt=(--user=root)
  # shellcheck disable=SC2046
  mariadbd --no-defaults "${user_opt[@]}" --datadir="$dir/data" --socket="$MARIADB_SOCKET" \
    --port="$MARIADB_PORT" --bind-address=127.0.0.1 --skip-log-bin --skip-name-resolve \
    --pid-file="$MARIADB_PIDFILE" --log-error="$dir/mariadb.err" --tmpdir="$dir/tmp" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-allowed-packet=64M --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 --innodb-log-file-size=128M \
    $(cat "$dir/extra-options") >/dev/null 2>&1 &
  MARIADB_SHELL_PID=$!
  local i ready=""
  for i in $(seq 1 300); do
    if mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot -e 'select 1' >/dev/null 2>&1; then
      ready=1
      break
    fi
    if ! kill -0 "$MARIADB_SHELL_PID" 2>/dev/null; then
      # Another listener took the port between free_port and the bind:
      # mariadb_start picks another one.
      if [[ -n "${MARIADB_BIND_RETRY:-}" ]] && grep -q "Address already in use" "$dir/mariadb.err"; then
        return 2
      fi
      echo "mariadbd exited during start-up; its log:" >&2
      tail -n 30 "$dir/mariadb.err" >&2
      return 1
    fi
    sleep 0.1
  done
  if [[ -z "$ready" ]]; then
    echo "mariadbd did not answer within 30 s; its log:" >&2
    tail -n 30 "$dir/mariadb.err" >&2
    return 1
  fi
}

mariadb_start() {
  local dir=$1
  mkdir -p "$dir" "$dir/tmp"
  local user_opt=()
  [[ $(id -u) -eq 0 ]] && user_opt=(--user=root)
  mariadb-install-db "${user_opt[@]}" --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || {
    echo "mariadb-install-db failed; see $dir/install.log" >&2
    cat "$dir/install.log" >&2
    return 1
  }
  echo "${CIVIUP_MARIADB_OPTS:-}" >"$dir/extra-options"
  local attempt status
  for attempt in 1 2 3 4 5; do
    free_port >"$dir/port" || return 1
    : >"$dir/mariadb.err"
    status=0
    if ((attempt < 5)); then
      MARIADB_BIND_RETRY=1 mariadb_launch "$dir" || status=$?
    else
      mariadb_launch "$dir" || status=$?
    fi
    ((status == 2)) || break
  done
  ((status == 0)) || return 1
  # A password user reachable over TCP and the socket, as a site's DSN would be.
  mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot <<SQL
CREATE USER 'civiup'@'%' IDENTIFIED BY 'civiup-test-pw';
CREATE USER 'civiup'@'localhost' IDENTIFIED BY 'civiup-test-pw';
GRANT ALL PRIVILEGES ON *.* TO 'civiup'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'civiup'@'localhost' WITH GRANT OPTION;
SQL
  export CIVIUP_TEST_MYSQL_HOST=127.0.0.1
  export CIVIUP_TEST_MYSQL_PORT=$MARIADB_PORT
  export CIVIUP_TEST_MYSQL_SOCKET=$MARIADB_SOCKET
  export CIVIUP_TEST_MYSQL_USER=civiup
  export CIVIUP_TEST_MYSQL_PASSWORD=civiup-test-pw
  export CIVIUP_TEST_MYSQL_PIDFILE=$MARIADB_PIDFILE
  export CIVIUP_TEST_MYSQL_DATADIR=$dir/data
}

mariadb_stop() {
  [[ -n "${MARIADB_PIDFILE:-}" ]] || return 0
  local pid=""
  [[ -f "$MARIADB_PIDFILE" ]] && pid=$(cat "$MARIADB_PIDFILE" 2>/dev/null)
  [[ -n "$pid" ]] || pid=${MARIADB_SHELL_PID:-}
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  MARIADB_PIDFILE=""
}

mariadb_restart() {
  mariadb_launch "$1"
}
