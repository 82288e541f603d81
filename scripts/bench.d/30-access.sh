# Access section of scripts/bench (sourced): the cost of the key check. GET /airports/{id} with a
# bearer key on the bench server against the same route on a second server started with
# --auth off, alternating in one run so the machine's drift hits both alike.
OPEN_PORT=$((BENCH_PORT + 2))
"$ROOT/.build/release/insikt" serve --port "$OPEN_PORT" --access-log off --auth off 2>"$work/open-server.log" &
open_server_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$OPEN_PORT/healthz" >/dev/null && break; sleep 0.2; done

echo "[insikt] access: GET /airports/{id} with a key and with --auth off" >&2
keyed_rps=() open_rps=() keyed_p99=() open_p99=()
for _ in $(seq 1 "$RUNS"); do
    read -r r _ p < <(RUNS=1 measure "$base/airports/332")
    keyed_rps+=("$r"); keyed_p99+=("$p")
    saved_auth=("${auth[@]}"); auth=()
    read -r r _ p < <(RUNS=1 measure "http://127.0.0.1:$OPEN_PORT/airports/332")
    auth=("${saved_auth[@]}")
    open_rps+=("$r"); open_p99+=("$p")
done
k=$(med "${keyed_rps[@]}"); o=$(med "${open_rps[@]}")
row "\`GET /airports/{id}\` with a bearer key vs \`--auth off\`, 64 conns, alternating" "${k} vs ${o} req/s ($(awk -v a="$k" -v b="$o" 'BEGIN { printf "%.0f", 100 * a / b }') %), p99 $(med "${keyed_p99[@]}") vs $(med "${open_p99[@]}") ms" "≥ 90 %"
kill -TERM "$open_server_pid" 2>/dev/null; wait "$open_server_pid" 2>/dev/null || true
open_server_pid=
