# Events section of scripts/bench (sourced): 1,000 open Server-Sent Events streams (server memory
# per stream) and the time from a commit to its event at a client, at 10 writes a second.
echo "[insikt] events: 1,000 SSE streams, commit -> client at 10 writes/s" >&2
ulimit -n 8192 2>/dev/null || true
events_import=$(curl -s "${auth[@]}" -H 'Content-Type: application/json' --data \
    '{"citizens":[{"citizen_id":1,"town":"a","street":"a","building":"1","apartment":1,"name":"w","birth_date":"01.01.1990","gender":"male","relatives":[]}]}' \
    "$base/imports" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["import_id"])')
# The streams go to a server of their own, started for them: in the bench server, memory freed
# by the earlier sections is reused, and its RSS would not show what the streams take.
events_port=$((BENCH_PORT + 5))
ADMIN_KEY="$BENCH_KEY" "$ROOT/.build/release/insikt" serve --port "$events_port" --access-log off 2>"$work/server-events.log" &
events_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$events_port/readyz" >/dev/null && break; sleep 0.2; done
events_rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$events_pid/status"; }
# One stream opened and closed first, so what every stream shares (the feed's hub) is counted before.
curl -s -m 1 -o /dev/null "${auth[@]}" -H 'Accept: text/event-stream' "http://127.0.0.1:$events_port/events?after=0&limit=1" || true
before_streams=$(events_rss_kb)
rm -f "$work/sse.ready"
python3 "$ROOT/scripts/bench.d/sse_streams.py" 127.0.0.1 "$events_port" "$BENCH_KEY" "$events_import" 1000 10 10 "$work/sse.ready" \
    >"$work/sse.out" 2>"$work/sse.err" &
sse_pid=$!
for _ in $(seq 1 300); do [ -f "$work/sse.ready" ] && break; sleep 0.1; done
sleep 1
with_streams=$(events_rss_kb)
healthz_ms=$(curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$events_port/healthz" | ms)
wait "$sse_pid" || true
kill -TERM "$events_pid" 2>/dev/null && { wait "$events_pid" 2>/dev/null || true; }
read -r opened p50 p99 received <"$work/sse.out" || true
per_stream=$(( (with_streams - before_streams) / ${opened:-1} ))
row "1,000 open SSE streams (\`GET /events\`, Accept: text/event-stream)" "${opened:-?} held, +$(( (with_streams - before_streams) / 1024 )) MB (${per_stream} KiB each); /healthz meanwhile ${healthz_ms} ms" "≤ 32 KiB each, others still served"
row "commit → event at an SSE client (10 writes/s, 1,000 streams open)" "p50 ${p50:-?} ms, p99 ${p99:-?} ms (${received:-0} events)" "p99 ≤ 20 ms"
