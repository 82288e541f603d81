# The rig on Patroni + etcd (shared/spec/availability.md), sourced by scripts/cluster:
#   etcd   10.213.0.5   one etcd member (the DCS Patroni keeps the leader key in)
#   db1-3  .11/.12/.13  PostgreSQL + Patroni (REST API on 8008) + PgBouncer (6432, transaction mode,
#                       in front of the node's own PostgreSQL)
#   app1/app2 .21/.22   insikt serve, each with its own HAProxy on 127.0.0.1: 5000 leads to the
#                       PgBouncer of the node whose Patroni answers GET /primary with 200, 5001 to
#                       its PostgreSQL (LISTEN, migrations); reads go to the three nodes'
#                       PgBouncers (--database-read-url), each checked by the server itself
#   lb, client          as in the pg_ctl rig
# Patroni elects, promotes, demotes and rewinds; nothing here does.
PATRONI_NODES=(etcd:5 db1:11 db2:12 db3:13 app1:21 app2:22 lb:30 client:40)
DB_NODES=(db1:11 db2:12 db3:13)
# Patroni's TTL, shortened from its default 30 s; loop_wait + 2 * retry_timeout must fit in it.
PATRONI_TTL="${CLUSTER_PATRONI_TTL:-10}"
PATRONI_LOOP_WAIT=1
PATRONI_RETRY_TIMEOUT=4

patroni_pooled_url() { echo "host=127.0.0.1 port=5000 user=insikt dbname=insikt connect_timeout=2"; }
patroni_direct_url() { echo "host=127.0.0.1 port=5001 user=insikt dbname=insikt connect_timeout=2"; }
patroni_read_url() { echo "host=$NET.11,$NET.12,$NET.13 port=6432 user=insikt dbname=insikt connect_timeout=1"; }

etcd_up() {
    mkdir -p "$RIG/etcd"
    chown etcd "$RIG/etcd" 2>/dev/null || true
    in_ns etcd etcd --name etcd --data-dir "$RIG/etcd/data" \
        --listen-client-urls "http://$NET.5:2379" --advertise-client-urls "http://$NET.5:2379" \
        --listen-peer-urls "http://$NET.5:2380" --initial-advertise-peer-urls "http://$NET.5:2380" \
        --initial-cluster "etcd=http://$NET.5:2380" --initial-cluster-state new >"$RIG/etcd/etcd.log" 2>&1 &
    disown
    for _ in $(seq 1 100); do
        in_ns etcd curl -sf "http://$NET.5:2379/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    log "etcd did not start:"; tail -n 20 "$RIG/etcd/etcd.log" >&2
    return 1
}

patroni_config() {
    local node="$1" address="$2"
    cat >"$RIG/$node/patroni.yml" <<YAML
scope: insikt-rig
name: $node
restapi:
  listen: $address:8008
  connect_address: $address:8008
etcd3:
  hosts: $NET.5:2379
bootstrap:
  dcs:
    ttl: $PATRONI_TTL
    loop_wait: $PATRONI_LOOP_WAIT
    retry_timeout: $PATRONI_RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      remove_data_directory_on_rewind_failure: true
      remove_data_directory_on_diverged_timelines: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        max_connections: 200
        synchronous_commit: 'on'
        fsync: 'off'
        # A leader cut off from its standbys shuts down (Patroni demotes it) only once its WAL
        # senders give up on them: 3 s here, not the default 60 s.
        wal_sender_timeout: 3s
        wal_receiver_status_interval: 1s
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: $address:5432
  connect_address: $address:5432
  use_unix_socket: true
  data_dir: $RIG/$node/data
  bin_dir: $PG_BIN
  pgpass: $RIG/$node/pgpass
  authentication:
    superuser:
      username: insikt
    replication:
      username: insikt
    rewind:
      username: insikt
  parameters:
    unix_socket_directories: $RIG/$node/run
  pg_hba:
    - local all all trust
    - local replication all trust
    - host all all $NET.0/24 trust
    - host replication all $NET.0/24 trust
    - host all all 127.0.0.1/32 trust
YAML
}

start_patroni() {
    local node="$1"
    ip netns exec "$(ns "$node")" runuser -u "$PG_SYSTEM_USER" -- patroni "$RIG/$node/patroni.yml" >>"$RIG/$node/patroni.log" 2>&1 &
    disown
}

# 0 when the node's Patroni answers `GET /$2` (primary, replica, ...) with 200.
patroni_is() {
    in_ns client curl -sf -o /dev/null --max-time 1 "http://$NET.$1:8008/$2"
}

wait_for() {
    local seconds="$1"; shift
    local deadline=$((SECONDS + seconds))
    while [ "$SECONDS" -lt "$deadline" ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

sync_standby_ready() {
    [ "$(as_pg_in db1 "$PG_BIN/psql" -h "$RIG/db1/run" -U insikt -d postgres -Atc \
        "SELECT count(*) FILTER (WHERE sync_state = 'sync') || '/' || count(*) FROM pg_stat_replication" 2>/dev/null)" = "1/2" ]
}

patroni_databases_up() {
    [ "$(id -u)" -eq 0 ] && ensure_pg_user
    echo '"insikt" ""' >"$RIG/users.txt"
    local entry node octet
    for entry in "${DB_NODES[@]}"; do
        node="${entry%%:*}" octet="${entry##*:}"
        mkdir -p "$RIG/$node/run"
        patroni_config "$node" "$NET.$octet"
        pgbouncer_config "$node" "$NET.$octet"
    done
    chown -R "$PG_SYSTEM_USER" "$RIG"
    chown -R etcd "$RIG/etcd" 2>/dev/null || true
    # db1 bootstraps the cluster; the others clone it (pg_basebackup) once it leads.
    start_patroni db1
    wait_for 60 patroni_is 11 primary || { log "db1 did not become the leader:"; tail -n 30 "$RIG/db1/patroni.log" >&2; return 1; }
    start_patroni db2
    start_patroni db3
    wait_for 90 patroni_is 12 replica && wait_for 60 patroni_is 13 replica \
        || { log "db2/db3 did not become replicas:"; tail -n 20 "$RIG/db2/patroni.log" "$RIG/db3/patroni.log" >&2; return 1; }
    wait_for 30 sync_standby_ready || { log "no synchronous standby"; return 1; }
    as_pg_in db1 "$PG_BIN/createdb" -h "$RIG/db1/run" -U insikt insikt
    # What the partition's probe writes to on the isolated node.
    as_pg_in db1 "$PG_BIN/psql" -h "$RIG/db1/run" -U insikt -d insikt -qc "CREATE TABLE rig_probe (at timestamptz, node text)"
    for entry in "${DB_NODES[@]}"; do start_pgbouncer "${entry%%:*}"; done
}

haproxy_config() {
    local servers_pooled="" servers_direct="" entry node octet
    for entry in "${DB_NODES[@]}"; do
        node="${entry%%:*}" octet="${entry##*:}"
        servers_pooled+="    server $node $NET.$octet:6432 check port 8008"$'\n'
        servers_direct+="    server $node $NET.$octet:5432 check port 8008"$'\n'
    done
    cat >"$RIG/haproxy.cfg" <<CFG
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 1s
    # Patroni's REST API: 200 on /primary only from the leader. A server marked down has its
    # sessions closed, so clients reconnect to the new leader instead of hanging on the old one.
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
listen primary
    bind 127.0.0.1:5000
$servers_pooled
listen primary_direct
    bind 127.0.0.1:5001
$servers_direct
CFG
}

start_patroni_app() {
    local node="$1" address="$2" binary
    binary=$(insikt_binary)
    in_ns "$node" haproxy -D -f "$RIG/haproxy.cfg" -p "$RIG/$node-haproxy.pid"
    ip netns exec "$(ns "$node")" env DATABASE_URL="$(patroni_pooled_url)" DATABASE_DIRECT_URL="$(patroni_direct_url)" \
        DATABASE_READ_URL="$(patroni_read_url)" DATABASE_POOLER=transaction \
        ADMIN_KEY="$(cat "$ADMIN_KEY_FILE")" WEBHOOK_ALLOW_PRIVATE=1 WEBHOOK_RETRY_SCHEDULE=1,1,2,2,3,5 WEBHOOK_TIMEOUT=5 \
        DB_POOL_SIZE=8 ACCESS_LOG=off JOB_LEASE="$JOB_LEASE" \
        "$binary" serve --host "$address" --port 8080 --migrations-directory "$ROOT/migrations" \
        --openapi-file "$ROOT/openapi.json" >"$RIG/$node.log" 2>&1 &
    disown
    echo $! >"$RIG/$node.pid"
    for _ in $(seq 1 150); do
        in_ns "$node" curl -sf -o /dev/null "http://$address:8080/readyz" && return 0
        sleep 0.2
    done
    log "$node did not become ready:"; tail -n 20 "$RIG/$node.log" >&2
    return 1
}

patroni_up() {
    [ "$(id -u)" -eq 0 ] || { log "scripts/cluster needs root (ip netns)"; return 1; }
    ensure_packages pgbouncer nginx-light iproute2 curl patroni etcd-server haproxy
    local binary
    binary=$(insikt_binary)
    [ -x "$binary" ] || { log "no insikt binary: run swift build (or set INSIKT_BIN)"; return 1; }
    down quiet
    NODES=("${PATRONI_NODES[@]}")
    mkdir -p "$RIG"
    log "Patroni rig in $RIG with $binary"
    head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40 >"$ADMIN_KEY_FILE"
    network_up
    etcd_up
    patroni_databases_up
    haproxy_config
    start_patroni_app app1 "$NET.21"
    start_patroni_app app2 "$NET.22"
    lb_up
    for _ in $(seq 1 50); do
        in_ns client curl -sf -o /dev/null "http://$NET.30/readyz" && { log "rig up: http://$NET.30 (from insikt-client)"; return 0; }
        sleep 0.2
    done
    log "the load balancer does not answer"; return 1
}

# The node's own link down (or up again): it is cut off from every other node.
cut() { ip -n "$(ns "$1")" link set eth0 down; }
heal() { ip -n "$(ns "$1")" link set eth0 up; }

# One write on the node's own PostgreSQL (from inside its namespace, so also while it is cut
# off): prints "acknowledged" when the commit returned within 2 s, else what happened.
probe() {
    local output
    if output=$(as_pg_in "$1" timeout 2 "$PG_BIN/psql" -h "$RIG/$1/run" -U insikt -d insikt -Atqc \
        "INSERT INTO rig_probe VALUES (clock_timestamp(), '$1')" 2>&1); then
        echo acknowledged
    else
        echo "refused: ${output:-no answer within 2 s}" | head -n 1
    fi
}

test_patroni() {
    trap 'down' EXIT
    patroni_up
    local me="$ROOT/scripts/cluster"
    in_ns client python3 "$ROOT/scripts/cluster.d/load.py" --patroni \
        --base "http://$NET.30" --key "$(cat "$ADMIN_KEY_FILE")" --receiver "$NET.40:9000" \
        --psql "$PG_BIN/psql" --db-nodes "db1=$NET.11,db2=$NET.12,db3=$NET.13" --ttl "$PATRONI_TTL" --rig "$RIG" \
        --app1 "http://$NET.21:8080" --app2 "http://$NET.22:8080" \
        --app1-pid "$(cat "$RIG/app1.pid")" --app2-pid "$(cat "$RIG/app2.pid")" --job-lease "$JOB_LEASE" \
        --kill-app "$me _lose app1" --kill-node "$me _lose" --cut "$me _cut" --heal "$me _heal" --probe "$me _probe"
}
