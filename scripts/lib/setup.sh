# Shared set-up for scripts/run, scripts/test and scripts/bench: system packages, the build,
# and the embedded PostgreSQL cluster used when DATABASE_URL is unset. Source it; don't run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_SYSTEM_USER="insikt"

log() { printf '[insikt] %s\n' "$*" >&2; }

# Debian packages the build and the embedded database need; installs only what is missing.
ensure_packages() {
    # postgresql-15-postgis-3: PostGIS for the server Debian 12's `postgresql` installs (migration 0008);
    # libcurl4-openssl-dev: outgoing webhooks.
    local wanted=(libpq-dev libssl-dev libcurl4-openssl-dev zlib1g-dev pkg-config postgresql postgresql-15-postgis-3 python3 "$@")
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

pg_bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { log "no PostgreSQL server binaries under /usr/lib/postgresql"; return 1; }
    echo "$dir"
}

# PostgreSQL refuses to run as root: the cluster belongs to a dedicated system user.
ensure_pg_user() {
    id -u "$PG_SYSTEM_USER" >/dev/null 2>&1 && return 0
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_SYSTEM_USER"
}

as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_SYSTEM_USER" -- "$@"
    else
        "$@"
    fi
}

# The cluster lives under the project (.local/, ignored by git) when the database user can
# reach it there, else under /tmp.
pg_home() {
    local home="$ROOT/.local/postgres"
    if [ "$(id -u)" -eq 0 ] && ! runuser -u "$PG_SYSTEM_USER" -- test -x "$ROOT" 2>/dev/null; then
        home="/tmp/insikt-postgres-$(echo "$ROOT" | md5sum | cut -c1-8)"
    fi
    echo "$home"
}

# Starts (creating on first use) the private cluster; sets DATABASE_URL and PG_STARTED_HERE.
# $1: extra server settings (scripts/test trades durability for speed).
start_embedded_postgres() {
    local extra="${1:-}"
    local bin home
    bin=$(pg_bin_dir)
    [ "$(id -u)" -eq 0 ] && ensure_pg_user
    home=$(pg_home)
    export PGDATA="$home/data" PG_SOCKET_DIR="$home/run" PG_BIN="$bin"
    mkdir -p "$home/run"
    [ "$(id -u)" -eq 0 ] && chown -R "$PG_SYSTEM_USER" "$home"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "creating the embedded PostgreSQL cluster in $PGDATA"
        as_pg_user "$bin/initdb" -D "$PGDATA" -U insikt --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
            || { cat "$home/initdb.log" >&2; return 1; }
    fi
    PG_STARTED_HERE=0
    if ! as_pg_user "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg_user "$bin/pg_ctl" -D "$PGDATA" -l "$home/server.log" -w -t 60 \
            -o "-c listen_addresses='' -c unix_socket_directories='$PG_SOCKET_DIR' -c max_connections=200 $extra" start >/dev/null \
            || { tail -n 30 "$home/server.log" >&2; return 1; }
        PG_STARTED_HERE=1
    fi
    if ! as_pg_user "$bin/psql" -h "$PG_SOCKET_DIR" -U insikt -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'insikt'" | grep -q 1; then
        as_pg_user "$bin/createdb" -h "$PG_SOCKET_DIR" -U insikt insikt
    fi
    export DATABASE_URL="host=$PG_SOCKET_DIR user=insikt dbname=insikt"
    export INSIKT_PG_USER="$PG_SYSTEM_USER"
    log "embedded PostgreSQL ready at $PG_SOCKET_DIR"
}

stop_embedded_postgres() {
    if [ "${PG_STARTED_HERE:-0}" = 1 ]; then
        as_pg_user "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
        PG_STARTED_HERE=0
        log "embedded PostgreSQL stopped"
    fi
}

build_release() {
    log "building (release)"
    (cd "$ROOT" && swift build -c release --product insikt 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2)
    test "${PIPESTATUS[0]}" -eq 0
}

# The Swagger UI assets /docs serves, from PyPI's swagger-ui-py, unpacked into .local/ (ignored).
# The release binary of commit $1, built once in a worktree of its own under /tmp and kept
# (a commit does not change); prints its path. For comparing builds (scripts/compare-*).
base_release() {
    local tree
    tree="/tmp/insikt-compare-base-$(git -C "$ROOT" rev-parse --short "$1")"
    if [ ! -x "$tree/.build/release/insikt" ]; then
        log "building $1 (release) in $tree"
        git -C "$ROOT" worktree add -q --detach "$tree" "$1" 2>/dev/null || true
        (cd "$tree" && swift build -c release --product insikt 2>&1 | grep -E 'error:' >&2) || true
        [ -x "$tree/.build/release/insikt" ] || { log "the build of $1 failed"; return 1; }
    fi
    printf '%s\n' "$tree/.build/release/insikt"
}

install_swagger_ui() {
    local target="$ROOT/.local/swagger-ui"
    [ -f "$target/swagger-ui-bundle.js" ] && [ -f "$target/swagger-ui.css" ] && return 0
    local download
    download=$(mktemp -d)
    if ! python3 -m pip download --no-deps -q -d "$download" swagger-ui-py >&2; then
        log "could not download swagger-ui-py; /docs will not render"
        rm -rf "$download"
        return 0
    fi
    mkdir -p "$target"
    python3 - "$download" "$target" <<'PY'
import glob, sys, zipfile
wheel = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0])
for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
    with open(f"{sys.argv[2]}/{name}", "wb") as out:
        out.write(wheel.read(f"swagger_ui/static/{name}"))
PY
    rm -rf "$download"
    log "Swagger UI assets installed in $target"
}

# The first admin key (access.md): ADMIN_KEY when set; else the one kept in .local/admin-key
# (mode 0600, ignored by git), made the first time when the database has no key yet. Exports
# ADMIN_KEY so the server makes sure it exists. $1: the insikt binary.
ensure_admin_key() {
    local insikt="$1" file="$ROOT/.local/admin-key"
    if [ -n "${ADMIN_KEY:-}" ]; then
        log "admin key: from ADMIN_KEY"
        return 0
    fi
    if [ ! -s "$file" ]; then
        if [ "$("$insikt" keys list | wc -l)" -gt 1 ]; then
            log "keys exist already and $file is missing: make one with '$insikt keys create --name me --role admin'"
            return 0
        fi
        mkdir -p "$(dirname "$file")"
        (umask 077; "$insikt" keys create --name "admin (scripts/run)" --role admin --quiet >"$file")
        log "created the first admin key in $file"
    fi
    chmod 600 "$file"
    ADMIN_KEY="$(cat "$file")"
    export ADMIN_KEY
    log "admin key: in $file; try: curl -H \"Authorization: Bearer \$(cat .local/admin-key)\" http://localhost:${PORT:-8080}/airports"
}
