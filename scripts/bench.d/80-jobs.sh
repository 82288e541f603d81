# Jobs section of scripts/bench (sourced, after 20-citizens.sh made the import files): the
# 10,000-citizen import as a job (time to 202, time to succeeded) and the 1,000,000-citizen
# import as a job against the synchronous one, with the server's peak RSS.

# Submits a file as a job and follows it (scripts/bench.d/job_timing.py); prints
# "job-id ms-to-202 ms-to-succeeded state".
run_job() {
    python3 "$ROOT/scripts/bench.d/job_timing.py" 127.0.0.1 "$BENCH_PORT" "$BENCH_KEY" "$1"
}

sync_import_s() {
    curl -s "${auth[@]}" -o /dev/null -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$1" "$base/imports"
}

echo "[insikt] jobs: 10k citizens as a job and synchronously, alternating" >&2
accept_ms=() done_ms=() sync_ms=() states=()
for _ in $(seq 1 $((RUNS * 3))); do
    read -r _ accepted done state < <(run_job "$work/import-10k.json")
    accept_ms+=("$accepted") done_ms+=("$done") states+=("$state")
    sync_ms+=("$(sync_import_s "$work/import-10k.json" | ms)")
done
row "10,000-citizen import as a job: \`202\` / \`succeeded\` / synchronous, alternating" "$(med "${accept_ms[@]}") ms / $(med "${done_ms[@]}") ms / $(med "${sync_ms[@]}") ms ($(printf '%s\n' "${states[@]}" | sort | uniq -c | xargs))" "202 ≤ 30 ms; succeeded ≤ 2 × the synchronous import"

echo "[insikt] jobs: 1M citizens as a job and synchronously, alternating" >&2
job_s=() sync_s=() job_peak=() sync_peak=() job_accept=() states=()
for _ in $(seq 1 "$RUNS"); do
    idle=$(rss_kb); reset_peak
    read -r _ accepted done state < <(run_job "$work/import-1m.json")
    job_peak+=("$(( ($(hwm_kb) - idle) / 1024 ))") job_accept+=("$accepted") states+=("$state")
    job_s+=("$(awk -v ms="$done" 'BEGIN { printf "%.2f", ms / 1000 }')")
    idle=$(rss_kb); reset_peak
    sync_s+=("$(sync_import_s "$work/import-1m.json" | awk '{ printf "%.2f", $1 }')")
    sync_peak+=("$(( ($(hwm_kb) - idle) / 1024 ))")
done
ratio=$(awk -v a="$(med "${job_s[@]}")" -v b="$(med "${sync_s[@]}")" 'BEGIN { printf "%.2f", a / b }')
row "1,000,000 citizens: job / synchronous, alternating" "job $(med "${job_s[@]}") s (${ratio} ×; 202 after $(med "${job_accept[@]}") ms; $(printf '%s\n' "${states[@]}" | sort | uniq -c | xargs)), peak RSS +$(med "${job_peak[@]}") MB / synchronous $(med "${sync_s[@]}") s, peak RSS +$(med "${sync_peak[@]}") MB" "job ≤ 1.3 × synchronous; RSS ≤ 2 × body"
