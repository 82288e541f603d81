# Idle connections section of scripts/bench (sourced): 10,000 keep-alive connections held idle by
# a server started for them (so its RSS shows what they take), with /healthz answering meanwhile.
# http.md caps open connections at 10,000 by default; this server's cap is raised above the
# 10,000 held so the one that checks "others still served" gets in.
echo "[insikt] engine: 10,000 idle keep-alive connections" >&2
idle_port=$((BENCH_PORT + 6))
# Each side needs a descriptor per connection: as many as the hard limit allows, up to 10,000.
fd_limit=$(ulimit -Hn)
[ "$fd_limit" = unlimited ] && fd_limit=1048576
idle_count=$(( fd_limit - 200 < 10000 ? fd_limit - 200 : 10000 ))
(
    ulimit -n "$fd_limit" 2>/dev/null || true
    ADMIN_KEY="$BENCH_KEY" exec "$ROOT/.build/release/insikt" serve --port "$idle_port" --access-log off \
        --max-connections $((idle_count + 100)) 2>"$work/server-idle.log"
) &
idle_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$idle_port/healthz" >/dev/null && break; sleep 0.2; done
# The server process is the subshell's exec: the same pid.
idle_rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$idle_pid/status"; }
before_idle=$(idle_rss_kb)
rm -f "$work/idle.ready"
mkfifo "$work/idle.hold" 2>/dev/null || true
(
    ulimit -n "$fd_limit" 2>/dev/null || true
    python3 "$ROOT/scripts/bench.d/idle_connections.py" 127.0.0.1 "$idle_port" "$idle_count" "$work/idle.ready" \
        <"$work/idle.hold" >"$work/idle.out" 2>"$work/idle.err"
) &
idle_client_pid=$!
exec {idle_hold_fd}>"$work/idle.hold"
for _ in $(seq 1 600); do [ -f "$work/idle.ready" ] && break; sleep 0.1; done
sleep 1
with_idle=$(idle_rss_kb)
idle_healthz_ms=()
for _ in $(seq 1 5); do idle_healthz_ms+=("$(curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$idle_port/healthz" | ms)"); done
exec {idle_hold_fd}>&-
wait "$idle_client_pid" || true
kill -TERM "$idle_pid" 2>/dev/null && { wait "$idle_pid" 2>/dev/null || true; }
idle_pid=
rm -f "$work/idle.hold"
held=$(cat "$work/idle.out" 2>/dev/null || echo 0)
row "$idle_count idle keep-alive connections (each after one request)" "${held:-0} held, +$(( (with_idle - before_idle) / 1024 )) MB ($(( (with_idle - before_idle) / idle_count )) KiB each); \`/healthz\` meanwhile $(med "${idle_healthz_ms[@]}") ms" "held, ≤ 16 KiB each, others still served"
