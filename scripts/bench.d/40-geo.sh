# Geography section of scripts/bench (sourced): GET /airports?near=...&within_km=100 on 1,000,000
# generated airports (10-airports.sh makes the file), through the GiST index of migration 0007.
# Afterwards the table holds the real file again, as 10-airports.sh leaves it.
[ -f "$work/airports-1m.csv" ] || python3 "$ROOT/scripts/gen_airports.py" 1000000 > "$work/airports-1m.csv"
geo_psql=(psql "$DATABASE_URL" -Atq)

echo "[insikt] geo: load 1,000,000 airports" >&2
"${geo_psql[@]}" -c "DELETE FROM airports" -c "VACUUM airports"
curl -s "${auth[@]}" -o /dev/null -X POST -H 'Content-Type: text/csv' --data-binary @"$work/airports-1m.csv" "$base/upload"
"${geo_psql[@]}" -c "ANALYZE airports"

echo "[insikt] geo: near queries" >&2
# San Francisco, Frankfurt, Sydney, Reykjavik, the middle of the Pacific: each answered many times.
points=("37.61899948120117,-122.375" "50.0333,8.5706" "-33.9461,151.177" "64.13,-21.94" "0,-150")
near_ms=() geo_ms=()
for _ in $(seq 1 "$RUNS"); do
    for point in "${points[@]}"; do
        near_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/airports?near=$point&within_km=100" | ms)")
        geo_ms+=("$(curl -s "${auth[@]}" -H 'Accept: application/geo+json' -o /dev/null -w '%{time_total}\n' "$base/airports?near=$point&within_km=100" | ms)")
    done
done
found=$(curl -s "${auth[@]}" "$base/airports?near=${points[0]}&within_km=100&limit=1000" | grep -o '"distance_km"' | wc -l)
row "\`GET /airports?near=<lat>,<lon>&within_km=100\` on 1,000,000 airports (JSON / GeoJSON; ${found} near SFO)" "$(med "${near_ms[@]}") ms / $(med "${geo_ms[@]}") ms" "≤ 5 ms"
read -r near_rps near_p50 near_p99 < <(measure "$base/airports?near=${points[1]}&within_km=100")
row "\`GET /airports?near=...&within_km=100\` on 1,000,000 airports, 64 keep-alive conns" "${near_rps} req/s, p50 ${near_p50} ms, p99 ${near_p99} ms" "— (under load; the target is the single request above)"

"${geo_psql[@]}" -c "DELETE FROM airports" -c "VACUUM airports"
curl -s "${auth[@]}" -o /dev/null -X POST -H 'Content-Type: text/csv' --data-binary @"$ROOT/Tests/Fixtures/airports.csv" "$base/upload"
