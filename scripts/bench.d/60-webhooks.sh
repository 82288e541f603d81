# Webhooks section of scripts/bench (sourced): deliveries per second to a local receiver (the
# nginx `return 200` above), calm and while 20 dead endpoints hold 1,000-delivery backlogs, and
# whether a receiver that never answers costs request workers.
# It runs its own server on a database of its own: the bench server refuses private addresses,
# and its dispatcher would claim these deliveries and refuse them.
WH_PORT=$((BENCH_PORT + 3))
WH_HANG_PORT=$((BENCH_PORT + 4))
WH_RESET_PORT=$((BENCH_PORT + 7))
WH_ENDPOINTS="${WH_ENDPOINTS:-8}"
WH_EVENTS="${WH_EVENTS:-500}"
wh_base="http://127.0.0.1:$WH_PORT"
pg_bin=$(pg_bin_dir)
wh_db="insikt_bench_webhooks_$$"
case "$DATABASE_URL" in
    postgres://*|postgresql://*) wh_url="${DATABASE_URL%%\?*}"; wh_url="${wh_url%/*}/$wh_db"; wh_admin_url="${DATABASE_URL%%\?*}" ;;
    *) wh_url="$DATABASE_URL dbname=$wh_db"; wh_admin_url="$DATABASE_URL" ;;
esac
wh_sql() { as_pg_user "$pg_bin/psql" "$1" -Atqc "$2"; }
wh_sql "$wh_admin_url" "CREATE DATABASE $wh_db"

wh_cleanup() {
    [ -n "${wh_server_pid:-}" ] && kill -TERM "$wh_server_pid" 2>/dev/null && { wait "$wh_server_pid" 2>/dev/null || true; }
    [ -n "${wh_hang_pid:-}" ] && kill "$wh_hang_pid" 2>/dev/null && { wait "$wh_hang_pid" 2>/dev/null || true; }
    [ -n "${wh_reset_pid:-}" ] && kill "$wh_reset_pid" 2>/dev/null && { wait "$wh_reset_pid" 2>/dev/null || true; }
    wh_server_pid= wh_hang_pid= wh_reset_pid=
    wh_sql "$wh_admin_url" "DROP DATABASE IF EXISTS $wh_db WITH (FORCE)" || true
}
trap 'wh_cleanup; cleanup' EXIT

DATABASE_URL="$wh_url" ADMIN_KEY="$BENCH_KEY" "$ROOT/.build/release/insikt" serve --port "$WH_PORT" --access-log off \
    --webhook-allow-private --webhook-timeout 2 2>"$work/webhooks-server.log" &
wh_server_pid=$!
for _ in $(seq 1 50); do curl -sf "$wh_base/healthz" >/dev/null && break; sleep 0.2; done

wh_json() { curl -s "${auth[@]}" -H 'Content-Type: application/json' "$@"; }
wh_ids=()
for i in $(seq 1 "$WH_ENDPOINTS"); do
    wh_ids+=("$(wh_json -X POST --data "{\"url\": \"http://127.0.0.1:$NGINX_PORT/hook/$i\"}" "$wh_base/webhooks" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')")
done
wh_set_enabled() { for id in "${wh_ids[@]}"; do wh_json -X PATCH --data "{\"enabled\": $1}" -o /dev/null "$wh_base/webhooks/$id"; done; }
wh_import='{"citizens": [{"citizen_id": 1, "town": "a", "street": "b", "building": "c", "apartment": 1, "name": "d", "birth_date": "01.02.1990", "gender": "male", "relatives": []}]}'
# Deliveries of the healthy endpoints that succeeded since a database time (the completed index).
wh_succeeded_since() {
    wh_sql "$wh_url" "SELECT count(*) FROM webhook_deliveries WHERE status <> 'pending' AND completed_at >= '$1'
        AND status = 'succeeded' AND endpoint_id IN ($(IFS=,; echo "${wh_ids[*]}"))"
}

# One run: WH_EVENTS events to the healthy endpoints; prints deliveries per second, timed from
# the moment they are resumed to the last one's completed_at (the database's clock, both).
wh_run() {
    # Paused endpoints gather no deliveries; resumed, they get the backlog at full speed.
    wh_set_enabled false
    seq 1 "$WH_EVENTS" | xargs -P 8 -I{} curl -s "${auth[@]}" -o /dev/null -H 'Content-Type: application/json' \
        --data "$wh_import" "$wh_base/imports"
    local target=$((WH_EVENTS * WH_ENDPOINTS)) start
    start=$(wh_sql "$wh_url" "SELECT now()")
    wh_set_enabled true
    local deadline=$(( $(date +%s) + 120 ))
    while [ "$(wh_succeeded_since "$start")" -lt "$target" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
    wh_sql "$wh_url" "SELECT round(count(*) / extract(epoch FROM max(completed_at) - '$start'::timestamptz)) FROM webhook_deliveries
        WHERE status = 'succeeded' AND completed_at >= '$start' AND endpoint_id IN ($(IFS=,; echo "${wh_ids[*]}"))"
}

echo "[insikt] webhooks: $WH_EVENTS events to $WH_ENDPOINTS endpoints on a local receiver, calm and while 20 dead endpoints (10 hang, 10 reset) hold 1,000-delivery backlogs, alternating" >&2
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
held = []
while True:
    held.append(s.accept()[0])
' "$WH_HANG_PORT" &
wh_hang_pid=$!
python3 -c '
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
while True:
    c = s.accept()[0]
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
' "$WH_RESET_PORT" &
wh_reset_pid=$!
wh_dead_ids=()
for i in $(seq 1 20); do
    if [ $((i % 2)) -eq 0 ]; then dead_port=$WH_HANG_PORT; else dead_port=$WH_RESET_PORT; fi
    wh_dead_ids+=("$(wh_json -X POST --data "{\"url\": \"http://127.0.0.1:$dead_port/dead/$i\", \"types\": [\"insikt.bench.backlog\"]}" "$wh_base/webhooks" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')")
done
wh_set_dead_enabled() { for id in "${wh_dead_ids[@]}"; do wh_json -X PATCH --data "{\"enabled\": $1}" -o /dev/null "$wh_base/webhooks/$id"; done; }
wh_set_dead_enabled false
# The backlogs fell due an hour ago (a subscriber that was down), written with SQL for speed.
wh_sql "$wh_url" "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, next_attempt_at)
    SELECT e, 1000000 + g, 'insikt.bench.backlog', '{}', now() - interval '1 hour'
    FROM unnest(ARRAY[$(IFS=,; echo "${wh_dead_ids[*]}")]::bigint[]) AS e, generate_series(1, 1000) AS g"
wh_calm_rates=() wh_dead_rates=()
for _ in $(seq 1 "$RUNS"); do
    wh_calm_rates+=("$(wh_run)")
    # Resumed, each dead endpoint's breaker is closed again: they start failing afresh.
    wh_set_dead_enabled true
    sleep 1
    wh_dead_rates+=("$(wh_run)")
    wh_set_dead_enabled false
done
wh_calm_rate=$(med "${wh_calm_rates[@]}")
wh_dead_rate=$(med "${wh_dead_rates[@]}")

echo "[insikt] webhooks: the API while every sender waits on a receiver that never answers" >&2
# One endpoint's resource, the same size before and after the hanging endpoints are added (the
# list grows with them): a request worker's route, so it shows whether a hanging receiver holds one.
wh_probe="$wh_base/webhooks/${wh_ids[0]}"
read -r calm_rps _ calm_p99 < <(RUNS=1 measure "$wh_probe")
wh_set_enabled false
for i in $(seq 1 8); do
    wh_json -X POST --data "{\"url\": \"http://127.0.0.1:$WH_HANG_PORT/hang/$i\"}" -o /dev/null "$wh_base/webhooks"
done
for _ in $(seq 1 20); do curl -s "${auth[@]}" -o /dev/null -H 'Content-Type: application/json' --data "$wh_import" "$wh_base/imports"; done
sleep 1
read -r hung_rps _ hung_p99 < <(RUNS=1 measure "$wh_probe")

row "webhook deliveries to a local receiver ($WH_ENDPOINTS endpoints, one transfers thread)" "${wh_calm_rate} deliveries/s" "≥ 500/s"
row "webhook deliveries to healthy endpoints while 20 dead ones (10 hang, 10 reset) hold 1,000-delivery backlogs / calm" "${wh_dead_rate} vs ${wh_calm_rate} deliveries/s ($(awk -v a="$wh_dead_rate" -v b="$wh_calm_rate" 'BEGIN { printf "%.0f", 100 * a / b }') %)" "≥ 90 % of calm"
row "\`GET /webhooks/{id}\` while every sender waits on a hanging receiver / calm" "${hung_rps} vs ${calm_rps} req/s, p99 ${hung_p99} vs ${calm_p99} ms" "no request worker taken"
wh_cleanup
trap cleanup EXIT
