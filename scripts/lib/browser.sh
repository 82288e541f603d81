# Headless Chromium driven by Selenium, for the checks that look at pages as a person does
# (scripts/check-docs, scripts/check-report). Source it after setup.sh.

# run_browser_check SCRIPT ARGS...: installs Chromium, its driver and Selenium (in .local/venv)
# when missing, then runs the Python SCRIPT with CHROMIUM and CHROMEDRIVER set.
run_browser_check() {
    # fonts-noto-cjk: CJK glyphs for town names (check-report looks for empty boxes).
    ensure_packages chromium chromium-driver fonts-noto-cjk
    local browser driver=/usr/bin/chromedriver venv="$ROOT/.local/venv"
    browser=$(command -v chromium || command -v chromium-browser || true)
    [ -n "$browser" ] || { log "no chromium on this machine"; return 1; }
    [ -x "$driver" ] || { log "no $driver (Debian package chromium-driver)"; return 1; }
    python3 -m venv --help >/dev/null 2>&1 || ensure_packages python3-venv
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c 'import selenium' 2>/dev/null \
        || "$venv/bin/python" -m pip install -q --disable-pip-version-check 'selenium>=4.11,<5' >&2
    mkdir -p "$ROOT/.build"
    # SE_OFFLINE: should Selenium Manager run at all, it must not try to download a browser or driver.
    SE_OFFLINE=true CHROMIUM="$browser" CHROMEDRIVER="$driver" PYTHONPATH="$ROOT/scripts/lib" timeout 120 \
        "$venv/bin/python" "$@"
}
