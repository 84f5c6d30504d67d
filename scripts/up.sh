#!/usr/bin/env bash
# Quick start on a fresh Debian machine: `bash scripts/up.sh` (or `npm run up`).
# Installs what is missing (as root, with apt-get), installs npm packages, generates code,
# then runs the whole stack with its data under .data/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[32m[up]\033[0m %s\n' "$*"; }

# --- Node.js ----------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Stockwire needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it, e.g. from https://nodejs.org or https://github.com/nodesource/distributions, then run this again." >&2
  exit 1
fi

# --- System packages --------------------------------------------------------------------------
have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || [ -n "${PG_BIN:-}" ]; }
missing=()
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then missing+=(redis-server); fi
if [ -z "${DATABASE_URL:-}" ] && ! have_postgres; then missing+=(postgresql); fi
# Not needed to run the shop, but the second quick-start command (`npm test`) drives it.
if [ -z "${SKIP_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
# Likewise: `promtool check metrics` (Debian's prometheus package) checks both processes' /metrics.
if [ -z "${SKIP_CHROMIUM:-}" ] && ! command -v promtool >/dev/null 2>&1; then missing+=(prometheus); fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    say "installing ${missing[*]} with apt-get…"
    apt-get update -qq
    packages=()
    for m in "${missing[@]}"; do
      if [ "$m" = postgresql ]; then
        # Only the server binaries are needed: keep Debian from creating and starting a
        # system-wide cluster (Stockwire runs its own Postgres under .data/).
        apt-get install -y -qq postgresql-common >/dev/null
        conf=/etc/postgresql-common/createcluster.conf
        if [ -f "$conf" ] && ! grep -q '^create_main_cluster *= *false' "$conf"; then
          sed -i 's/^#\? *create_main_cluster *=.*/create_main_cluster = false/' "$conf"
          grep -q '^create_main_cluster' "$conf" || echo 'create_main_cluster = false' >>"$conf"
        fi
        if apt-cache show postgresql-15 >/dev/null 2>&1; then packages+=(postgresql-15); else packages+=(postgresql); fi
      else
        packages+=("$m")
      fi
    done
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    say "installed ${packages[*]}"
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "On Debian or Ubuntu, install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]/postgresql/postgresql-15}" >&2
    echo "(or point REDIS_URL / DATABASE_URL at existing servers; SKIP_CHROMIUM=1 skips the test browser)" >&2
    exit 1
  fi
fi

# --- npm packages and generated code ----------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)…"
  # A registry mirror without other platforms' optional packages (e.g. @next/swc-darwin-*)
  # yields a lock file `npm ci` calls out of sync: install the same versions without it.
  err=$(mktemp)
  npm ci --no-audit --no-fund --loglevel=error 2>"$err" || {
    if grep -q "can only install packages when your package.json and package-lock.json" "$err"; then
      say "npm ci refused the lock file; using npm install --no-save"
      npm install --no-save --no-audit --no-fund --loglevel=error
    else
      cat "$err" >&2; rm -f "$err"; exit 1
    fi
  }
  rm -f "$err"
fi
say "generating Prisma Client and the Lua module…"
npm run --silent generate

exec npx tsx scripts/up.ts
