# PgBouncer section of scripts/bench (sourced): GET /airports/{id} and POST /imports (10,000
# citizens) on the bench server (direct) and on a second server whose pool and event-loop
# connections go through PgBouncer 1.18 in transaction mode (--database-pooler transaction).
ensure_packages pgbouncer
pooled_port=$((BENCH_PORT + 2))
bouncer_port=$((BENCH_PORT + 3))
bouncer_dir="$work/pgbouncer"
socket_dir=$(printf '%s\n' $DATABASE_URL | sed -n 's/^host=//p')
database=$(printf '%s\n' $DATABASE_URL | sed -n 's/^dbname=//p')
if [ -z "$socket_dir" ] || [ "${socket_dir#/}" = "$socket_dir" ]; then
    echo "[insikt] pgbouncer: DATABASE_URL has no host=/socket/dir; section skipped" >&2
    return 0
fi
mkdir -p "$bouncer_dir"
cat >"$bouncer_dir/pgbouncer.ini" <<INI
[databases]
* = host=$socket_dir
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer_dir/users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
logfile = $bouncer_dir/pgbouncer.log
pidfile = $bouncer_dir/pgbouncer.pid
INI
echo '"insikt" ""' >"$bouncer_dir/users.txt"
[ "$(id -u)" -eq 0 ] && chown -R "$PG_SYSTEM_USER" "$bouncer_dir"
as_pg_user /usr/sbin/pgbouncer -d "$bouncer_dir/pgbouncer.ini"

pooled_url="host=127.0.0.1 port=$bouncer_port user=insikt dbname=${database:-insikt}"
# DATABASE_DIRECT_URL first: a later assignment of the same prefix would see the pooled URL.
DATABASE_DIRECT_URL="$DATABASE_URL" DATABASE_URL="$pooled_url" DATABASE_POOLER=transaction ADMIN_KEY="$BENCH_KEY" \
    "$ROOT/.build/release/insikt" serve --port "$pooled_port" --access-log off 2>"$work/server-pooled.log" &
pooled_pid=$!
pgbouncer_cleanup() {
    kill -TERM "$pooled_pid" 2>/dev/null && { wait "$pooled_pid" 2>/dev/null || true; }
    [ -f "$bouncer_dir/pgbouncer.pid" ] && kill "$(cat "$bouncer_dir/pgbouncer.pid")" 2>/dev/null
    return 0
}
trap 'pgbouncer_cleanup; cleanup' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$pooled_port/readyz" >/dev/null && break; sleep 0.2; done

echo "[insikt] pgbouncer: GET /airports/{id} direct and pooled" >&2
for target in "$base" "http://127.0.0.1:$pooled_port"; do
    status=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' "$target/airports/332")
    [ "$status" = 200 ] || echo "[insikt] pgbouncer: $target/airports/332 answers $status; the figures below are not of the route" >&2
done
read -r direct_rps direct_p50 direct_p99 < <(measure "$base/airports/332")
read -r pooled_rps pooled_p50 pooled_p99 < <(measure "http://127.0.0.1:$pooled_port/airports/332")
share=$(awk -v a="$pooled_rps" -v b="$direct_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
row "\`GET /airports/{id}\` through PgBouncer (transaction mode), 64 conns" "${pooled_rps} req/s (${share} % of direct ${direct_rps}), p99 ${pooled_p99} ms (direct ${direct_p99} ms)" "≥ 80 % of direct"

echo "[insikt] pgbouncer: POST /imports (10k) direct and pooled" >&2
[ -f "$work/import-10k.json" ] || python3 "$ROOT/scripts/gen_citizens.py" 10000 1000 > "$work/import-10k.json"
direct_ms=() pooled_ms=()
for _ in $(seq 1 "$RUNS"); do
    direct_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$work/import-10k.json" "$base/imports" | ms)")
    pooled_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$work/import-10k.json" "http://127.0.0.1:$pooled_port/imports" | ms)")
done
direct_import=$(med "${direct_ms[@]}") pooled_import=$(med "${pooled_ms[@]}")
share=$(awk -v a="$pooled_import" -v b="$direct_import" 'BEGIN { printf "%.0f", 100 * b / a }')
row "\`POST /imports\` (10,000 citizens) through PgBouncer" "${pooled_import} ms (${share} % of direct's speed at ${direct_import} ms)" "≥ 80 % of direct"
pgbouncer_cleanup
trap cleanup EXIT
