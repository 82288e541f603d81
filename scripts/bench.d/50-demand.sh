# Demand section of scripts/bench (sourced): GET .../towns/stat/demand on the standard
# 10,000-citizen import (the file 20-citizens.sh writes), right after each import and steady,
# with the airports the bench database holds by then (the real file after 10-airports.sh).
[ -f "$work/import-10k.json" ] || python3 "$ROOT/scripts/gen_citizens.py" 10000 1000 > "$work/import-10k.json"

echo "[insikt] demand: GET .../towns/stat/demand (10k)" >&2
first_demand=() demand_ms=() demand_groups_ms=()
for _ in $(seq 1 "$RUNS"); do
    curl -s "${auth[@]}" -o "$work/demand-post.out" -X POST -H 'Content-Type: application/json' \
        --data-binary @"$work/import-10k.json" "$base/imports"
    demand_import=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["import_id"])' "$work/demand-post.out")
    # The first request right after the import: its rows have no planner statistics yet.
    first_demand+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$demand_import/towns/stat/demand" | ms)")
done
for _ in $(seq 1 $((RUNS * 5))); do
    demand_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$demand_import/towns/stat/demand" | ms)")
    demand_groups_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' \
        "$base/imports/$demand_import/towns/stat/demand?age_groups=5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95,100&as_of=2020-02-29&country=Russia" | ms)")
done
demand_airports=$(psql "$DATABASE_URL" -Atq -c "SELECT count(*) FROM airports WHERE deleted_at IS NULL" 2>/dev/null || echo "?")
row "\`GET .../towns/stat/demand\` (10,000 citizens, ${demand_airports} airports; right after the import / steady)" "$(med "${first_demand[@]}") ms / $(med "${demand_ms[@]}") ms" "≤ 20 ms"
row "\`GET .../towns/stat/demand\` with 21 age groups, \`as_of\`, \`country\`" "$(med "${demand_groups_ms[@]}") ms" "≤ 20 ms"

echo "[insikt] demand: the same as SVG, alternating with JSON" >&2
json_ms=() svg_ms=()
for _ in $(seq 1 $((RUNS * 5))); do
    json_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$demand_import/towns/stat/demand" | ms)")
    svg_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -H 'Accept: image/svg+xml' "$base/imports/$demand_import/towns/stat/demand" | ms)")
done
row "\`GET .../towns/stat/demand\` as SVG vs JSON (alternating)" "$(med "${svg_ms[@]}") ms vs $(med "${json_ms[@]}") ms" "≤ 5 ms more than JSON"
