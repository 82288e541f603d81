# Sources section of scripts/bench (sourced):
# that file pulled by a source from a local HTTP server against the same file uploaded, each into
# an empty table, alternating, with the server's peak RSS.
real="$ROOT/Tests/Fixtures/airports.csv"
[ -f "$work/airports-1m.csv" ] || python3 "$ROOT/scripts/gen_airports.py" 1000000 > "$work/airports-1m.csv"
size_1m=$(stat -c %s "$work/airports-1m.csv")
file_port=$((BENCH_PORT + 7))
python3 -m http.server "$file_port" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
file_server_pid=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$file_port/airports-1m.csv" && break; sleep 0.1; done
source_id=$(curl -s "${auth[@]}" -H 'Content-Type: application/json' "$base/sources" \
    --data "{\"name\": \"bench 1M airports\", \"url\": \"http://127.0.0.1:$file_port/airports-1m.csv\", \"kind\": \"airports\", \"retries\": 0}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])')

empty_airports() { psql "$DATABASE_URL" -Atq -c "DELETE FROM airports" -c "VACUUM airports"; }

echo "[insikt] sources: 1,000,000 airports pulled from a local server vs uploaded, alternating" >&2
pull_s=() upload_s=() pull_peak=() upload_peak=() states=()
for _ in $(seq 1 "$RUNS"); do
    empty_airports
    idle=$(rss_kb); reset_peak
    upload_s+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}' -X POST -H 'Content-Type: text/csv' \
        --data-binary @"$work/airports-1m.csv" "$base/upload" | awk '{ printf "%.2f", $1 }')")
    upload_peak+=("$(( ($(hwm_kb) - idle) / 1024 ))")
    empty_airports
    # A pull of the same bytes again would be `unchanged`: forget what the last one loaded.
    psql "$DATABASE_URL" -Atq -c "UPDATE sources SET etag = NULL, last_modified = NULL, body_sha256 = NULL WHERE id = $source_id"
    idle=$(rss_kb); reset_peak
    read -r ms state _ < <(python3 "$ROOT/scripts/bench.d/source_pull.py" 127.0.0.1 "$BENCH_PORT" "$BENCH_KEY" "$source_id")
    pull_peak+=("$(( ($(hwm_kb) - idle) / 1024 ))") states+=("$state")
    pull_s+=("$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')")
done
kill "$file_server_pid" 2>/dev/null; wait "$file_server_pid" 2>/dev/null || true
curl -s "${auth[@]}" -o /dev/null -X DELETE "$base/sources/$source_id"
empty_airports
curl -s "${auth[@]}" -o /dev/null -X POST -H 'Content-Type: text/csv' --data-binary @"$real" "$base/upload"
ratio=$(awk -v a="$(med "${pull_s[@]}")" -v b="$(med "${upload_s[@]}")" 'BEGIN { printf "%.2f", a / b }')
row "1,000,000 airports ($((size_1m / 1048576)) MiB): pulled by a source from a local server / uploaded, alternating" "pull $(med "${pull_s[@]}") s (${ratio} ×; $(printf '%s\n' "${states[@]}" | sort | uniq -c | xargs)), peak RSS +$(med "${pull_peak[@]}") MB / upload $(med "${upload_s[@]}") s, peak RSS +$(med "${upload_peak[@]}") MB" "pull ≤ 1.2 × upload; RSS as for the upload"
