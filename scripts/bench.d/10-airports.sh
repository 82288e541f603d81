# Airports section of scripts/bench (sourced): the real file, a generated 1,000,000-row file next
# to psql's \copy of the same file, the list page and one-row reads under load.
real="$ROOT/Tests/Fixtures/airports.csv"
[ -f "$work/airports-1m.csv" ] || python3 "$ROOT/scripts/gen_airports.py" 1000000 > "$work/airports-1m.csv"
size_1m=$(stat -c %s "$work/airports-1m.csv")

echo "[insikt] airports: upload the real file" >&2
upload_ms=() reupload_ms=()
for _ in $(seq 1 $((RUNS * 3))); do
    # Empty: no rows, and no dead ones either (right after a DELETE, before autovacuum, every key
    # meets its dead predecessor in the index; the README gives that case too).
    psql "$DATABASE_URL" -Atq -c "DELETE FROM airports" -c "VACUUM airports"
    upload_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: text/csv' --data-binary @"$real" "$base/upload" | ms)")
    reupload_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: text/csv' --data-binary @"$real" "$base/upload" | ms)")
done
row "upload \`airports.csv\` (7,698 rows) into an empty table / again (no-op)" "$(med "${upload_ms[@]}") ms / $(med "${reupload_ms[@]}") ms" "≤ 60 ms"

echo "[insikt] airports: 1,000,000 rows, server and psql \\copy" >&2
psql_cmd=(psql "$DATABASE_URL" -Atq)
"${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_airports_copy" -c "CREATE TABLE bench_airports_copy (LIKE airports INCLUDING ALL)"
copy_start=$(date +%s.%N)
"${psql_cmd[@]}" -c "\\copy bench_airports_copy (id, name, city, country, iata, icao, latitude, longitude, altitude, timezone, dst, tz, type, source) FROM '$work/airports-1m.csv' WITH (FORMAT csv, HEADER true)"
copy_s=$(awk -v a="$copy_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
"${psql_cmd[@]}" -c "DROP TABLE bench_airports_copy"
# Both load into an empty table. (The bench database's airports are replaced.)
"${psql_cmd[@]}" -c "DELETE FROM airports" -c "VACUUM airports"
idle=$(rss_kb); reset_peak
upload_s=$(curl -s "${auth[@]}" -o "$work/upload-1m.out" -w '%{time_total}' -X POST -H 'Content-Type: text/csv' --data-binary @"$work/airports-1m.csv" "$base/upload")
growth=$(( ($(hwm_kb) - idle) / 1024 ))
server_rps=$(awk -v s="$upload_s" 'BEGIN { printf "%.0f", 1000000 / s }')
psql_rps=$(awk -v s="$copy_s" 'BEGIN { printf "%.0f", 1000000 / s }')
share=$(awk -v a="$server_rps" -v b="$psql_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
curl -s "${auth[@]}" -o /dev/null -X POST -H 'Content-Type: text/csv' --data-binary @"$real" "$base/upload"
"${psql_cmd[@]}" -c "DELETE FROM airports WHERE id > 14110"
row "upload 1,000,000 rows ($((size_1m / 1048576)) MiB) into an empty table" "${server_rps} rows/s (${share} % of psql \\\\copy at ${psql_rps} rows/s), RSS +${growth} MB; $(head -c 80 "$work/upload-1m.out")" "≥ 80 % of psql \\\\copy; RSS ≤ +64 MB"

echo "[insikt] airports: reads" >&2
list_ms=()
for _ in $(seq 1 $((RUNS * 5))); do
    list_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/airports?limit=1000" | ms)")
done
row "\`GET /airports?limit=1000\`" "$(med "${list_ms[@]}") ms" "≤ 10 ms"
read -r one_rps one_p50 one_p99 < <(measure "$base/airports/332")
row "\`GET /airports/{id}\`, 64 keep-alive conns" "${one_rps} req/s, p50 ${one_p50} ms, p99 ${one_p99} ms" "≥ 10k req/s; p99 ≤ 5 ms"
