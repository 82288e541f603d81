# Jobs section of scripts/bench (sourced, after 20-citizens.sh made the import files): the
# 10,000-citizen import as a job (time to 202, time to succeeded) and the 1,000,000-citizen
# import as a job against the synchronous one, with the server's peak RSS.

# POSTs a file with Prefer: respond-async; prints "job-id ms-to-202".
submit_job() {
    local out
    out=$(curl -s "${auth[@]}" -o "$work/job.out" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
        -H 'Prefer: respond-async' --data-binary @"$1" "$base/imports")
    if [ "${out% *}" != 202 ]; then
        echo "[insikt] jobs: POST /imports with Prefer answered ${out% *}: $(head -c 300 "$work/job.out")" >&2
        echo "0 0"
        return
    fi
    echo "$(json_field id <"$work/job.out") $(echo "${out#* }" | ms)"
}

# The first "NAME": value of a job's JSON (its own id or state: they come before result and
# error). grep, not python: a python start per poll costs ~75 ms of CPU, which on 2 cores slowed
# the job it measured and made the 10k job look 2-3 × slower than it is.
json_field() {
    grep -o "\"$1\":\"\\?[a-z0-9]*" | head -1 | sed 's/.*[":]//'
}

# Polls a job every 5 ms until it ends; prints "state ms" (ms since the call).
wait_job() {
    local start now state
    start=$(date +%s%N)
    while :; do
        state=$(curl -s "${auth[@]}" "$base/jobs/$1" | json_field state)
        case "$state" in
            succeeded|failed|cancelled) break ;;
        esac
        sleep 0.005
    done
    now=$(date +%s%N)
    echo "$state $(( (now - start) / 1000000 ))"
}

echo "[insikt] jobs: POST /imports with Prefer: respond-async (10k)" >&2
accept_ms=() done_ms=() states=()
for _ in $(seq 1 "$RUNS"); do
    started=$(date +%s%N)
    read -r job_id accepted < <(submit_job "$work/import-10k.json")
    accept_ms+=("$accepted")
    read -r state _ < <(wait_job "$job_id")
    states+=("$state")
    done_ms+=("$(( ($(date +%s%N) - started) / 1000000 ))")
done
row "10,000-citizen import as a job: \`202\` / \`succeeded\`" "$(med "${accept_ms[@]}") ms / $(med "${done_ms[@]}") ms (${states[*]})" "202 ≤ 30 ms; succeeded ≤ 2 × the synchronous import (row above)"

echo "[insikt] jobs: 1M citizens as a job" >&2
idle=$(rss_kb); reset_peak
started=$(date +%s%N)
read -r job_id accepted < <(submit_job "$work/import-1m.json")
read -r state _ < <(wait_job "$job_id")
job_s=$(awk -v n="$(( $(date +%s%N) - started ))" 'BEGIN { printf "%.1f", n / 1e9 }')
job_peak=$(( ($(hwm_kb) - idle) / 1024 ))

echo "[insikt] jobs: 1M citizens synchronous, for comparison" >&2
idle=$(rss_kb); reset_peak
status=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$work/import-1m.json" "$base/imports")
sync_peak=$(( ($(hwm_kb) - idle) / 1024 ))
row "1,000,000 citizens: job / synchronous" "job $state in $job_s s (202 after ${accepted} ms), peak RSS +${job_peak} MB / HTTP ${status% *} in ${status#* } s, peak RSS +${sync_peak} MB" "job ≤ 1.3 × synchronous; RSS ≤ 2 × body"
