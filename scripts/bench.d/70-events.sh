# Events section of scripts/bench (sourced): 1,000 open Server-Sent Events streams (server memory
# per stream) and the time from a commit to its event at a client, at 10 writes a second.
echo "[insikt] events: 1,000 SSE streams, commit -> client at 10 writes/s" >&2
ulimit -n 8192 2>/dev/null || true
events_import=$(curl -s "${auth[@]}" -H 'Content-Type: application/json' --data \
    '{"citizens":[{"citizen_id":1,"town":"a","street":"a","building":"1","apartment":1,"name":"w","birth_date":"01.01.1990","gender":"male","relatives":[]}]}' \
    "$base/imports" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["import_id"])')
before_streams=$(rss_kb)
rm -f "$work/sse.ready"
python3 "$ROOT/scripts/bench.d/sse_streams.py" 127.0.0.1 "$BENCH_PORT" "$BENCH_KEY" "$events_import" 1000 10 10 "$work/sse.ready" \
    >"$work/sse.out" 2>"$work/sse.err" &
sse_pid=$!
for _ in $(seq 1 300); do [ -f "$work/sse.ready" ] && break; sleep 0.1; done
sleep 1
with_streams=$(rss_kb)
healthz_ms=$(curl -s -o /dev/null -w '%{time_total}\n' "$base/healthz" | ms)
wait "$sse_pid" || true
read -r opened p50 p99 received <"$work/sse.out" || true
per_stream=$(( (with_streams - before_streams) / ${opened:-1} ))
row "1,000 open SSE streams (\`GET /events\`, Accept: text/event-stream)" "${opened:-?} held, +$(( (with_streams - before_streams) / 1024 )) MB (${per_stream} KiB each); /healthz meanwhile ${healthz_ms} ms" "≤ 32 KiB each, others still served"
row "commit → event at an SSE client (10 writes/s, 1,000 streams open)" "p50 ${p50:-?} ms, p99 ${p99:-?} ms (${received:-0} events)" "p99 ≤ 20 ms"
