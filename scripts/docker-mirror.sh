#!/usr/bin/env bash
# Repeats the Dockerfile's build and start steps in a temporary directory, because no Docker engine runs
# here: copy what the image copies, npm ci, build, prune dev dependencies, then start the production
# command with a fresh SQLite file, check /healthz and /readyz, and stop it with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
# Only ever signal the app we started: `kill 0` would take down this script's whole process group (CI too).
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cp package.json package-lock.json manifest.json tsconfig.json tsconfig.build.json "$work/"
cp -r scripts prisma src "$work/"
rm -rf "$work/src/generated"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent && npm prune --omit=dev --no-audit --no-fund --loglevel=error)
# The runtime stage keeps only these.
rm -rf "$work/src" "$work/scripts" "$work/tsconfig.json" "$work/tsconfig.build.json"

port="${MIRROR_PORT:-$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")}"
data="$work/data"
mkdir -p "$data"
(cd "$work" && NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=2" PORT="$port" PUBLIC_URL="https://reconnect.example.com" \
  DATABASE_URL="file:$data/reconnect.db" \
  ENCRYPTION_KEYS="k1:$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")" \
  SLACK_SIGNING_SECRET=mirror-signing-secret SLACK_BOT_TOKEN=xoxb-mirror-token SLACK_API_URL=http://127.0.0.1:9/api/ \
  exec node --heap-growing-percent=20 dist/src/main.js > "$work/app.log" 2>&1) &
pid=$!

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz"; echo
curl -fsS "http://127.0.0.1:$port/readyz"; echo
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
test "$status" -eq 0
grep -q '"msg":"shutting down"' "$work/app.log"
test -f "$data/reconnect.db"
echo "docker mirror: image steps build, the app starts, reports ready and stops cleanly on SIGTERM (exit $status)"
