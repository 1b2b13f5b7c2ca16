#!/usr/bin/env bash
# Follows the README's quick start word for word on this checkout: `npm start` with no configuration must
# come up on the embedded SQLite default (migrations applied) and answer /healthz; then it stops on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
port="$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")"
log="$(mktemp)"
env -i PATH="$PATH" HOME="${HOME:-/root}" PORT="$port" npm start > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" || { cat "$log"; exit 1; }; echo
test -f data/reconnect.db
grep -q '"msg":"Reconnect is listening"' "$log"
pkill -TERM -P "$pid" node 2>/dev/null || true
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "quick start: npm start came up on SQLite and answered /healthz"
