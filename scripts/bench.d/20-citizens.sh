# Citizens section of scripts/bench (sourced): the standard 10,000-citizen import with 1,000
# relative links, and a 1,000,000-citizen import.
python3 "$ROOT/scripts/gen_citizens.py" 10000 1000 > "$work/import-10k.json"
[ -f "$work/import-1m.json" ] || python3 "$ROOT/scripts/gen_citizens.py" 1000000 100000 > "$work/import-1m.json"
size_10k=$(stat -c %s "$work/import-10k.json")
size_1m=$(stat -c %s "$work/import-1m.json")


post_import() {
    curl -s "${auth[@]}" -o "$work/post.out" -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$1" "$base/imports"
}

echo "[insikt] citizens: POST /imports (10k)" >&2
post_ms=() rss_growth=() first_birthdays=() first_percentiles=()
for _ in $(seq 1 "$RUNS"); do
    idle=$(rss_kb); reset_peak
    post_ms+=("$(post_import "$work/import-10k.json" | ms)")
    rss_growth+=("$(( ($(hwm_kb) - idle) / 1024 ))")
    import_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["import_id"])' "$work/post.out")
    # The first aggregate requests right after the import: no statistics are needed.
    first_birthdays+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$import_id/citizens/birthdays" | ms)")
    first_percentiles+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$import_id/towns/stat/percentile/age" | ms)")
done

echo "[insikt] citizens: reads and patches" >&2
get_ms=() ttfb_ms=() birthdays_ms=() percentiles_ms=() patch_ms=()
for i in $(seq 1 $((RUNS * 5))); do
    read -r total first < <(curl -s "${auth[@]}" -o /dev/null -w '%{time_total} %{time_starttransfer}\n' "$base/imports/$import_id/citizens")
    get_ms+=("$(echo "$total" | ms)"); ttfb_ms+=("$(echo "$first" | ms)")
    birthdays_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$import_id/citizens/birthdays" | ms)")
    percentiles_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' "$base/imports/$import_id/towns/stat/percentile/age" | ms)")
    patch_ms+=("$(curl -s "${auth[@]}" -o /dev/null -w '%{time_total}\n' -X PATCH -H 'Content-Type: application/json' \
        --data "{\"relatives\":[$((i + 1)),$((i + 2)),$((i + 3))]}" "$base/imports/$import_id/citizens/$i" | ms)")
done

row "\`POST /imports\` (10,000 citizens, $((size_10k / 1024)) KiB)" "$(med "${post_ms[@]}") ms, peak RSS +$(med "${rss_growth[@]}") MB" "≤ 150 ms; RSS ≤ +100 MB"
row "\`GET .../citizens\`" "$(med "${get_ms[@]}") ms, first byte $(med "${ttfb_ms[@]}") ms" "≤ 50 ms; first byte ≤ 10 ms"
row "\`GET .../birthdays\` (right after the import / steady)" "$(med "${first_birthdays[@]}") ms / $(med "${birthdays_ms[@]}") ms" "≤ 20 ms"
row "\`GET .../percentile/age\` (right after / steady)" "$(med "${first_percentiles[@]}") ms / $(med "${percentiles_ms[@]}") ms" "≤ 10 ms"
row "\`PATCH .../citizens/{id}\` (relatives change)" "$(med "${patch_ms[@]}") ms" "≤ 5 ms"

echo "[insikt] citizens: POST /imports (1M)" >&2
idle=$(rss_kb); reset_peak
status=$(curl -s "${auth[@]}" -o "$work/post-1m.out" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$work/import-1m.json" "$base/imports")
peak=$(( ($(hwm_kb) - idle) / 1024 ))
row "1,000,000-citizen import ($((size_1m / 1048576)) MiB)" "HTTP ${status% *} in ${status#* } s, peak RSS +${peak} MB ($(awk -v p="$peak" -v s="$size_1m" 'BEGIN { printf "%.1f", p * 1048576 / s }') × body)" "completes; RSS ≤ 2 × body"
