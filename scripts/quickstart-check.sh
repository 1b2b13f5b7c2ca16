#!/usr/bin/env bash
# Follows the README's quick start word for word, as a new user would: a fresh clone of HEAD, `npm install`
# with an empty npm cache, then `npm start` with no configuration must come up on the embedded SQLite
# default (migrations applied) and answer /healthz; then it stops on SIGTERM.
set -euo pipefail
clone="$(mktemp -d)"
cache="$(mktemp -d)"
log="$(mktemp)"
pid=""
# Only the process group we started: never `kill -- -0`, which would reach CI's own group.
trap 'if [ -n "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; fi; rm -rf "$log" "$clone" "$cache"' EXIT
git clone -q "$(cd "$(dirname "$0")/.." && pwd)" "$clone"
cd "$clone"
npm install --cache "$cache" --no-audit --no-fund --loglevel=error
port="$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")"
# In a process group of its own, so stopping it reaches npm, its shell and the node process under them.
setsid env -i PATH="$PATH" HOME="${HOME:-/root}" PORT="$port" npm start > "$log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" || { cat "$log"; exit 1; }; echo
test -f data/reconnect.db
grep -q '"msg":"Reconnect is listening"' "$log"
kill -TERM -- "-$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do pgrep -g "$pid" > /dev/null || break; sleep 0.1; done
if pgrep -g "$pid" > /dev/null; then echo "quick start: the app did not stop on SIGTERM"; exit 1; fi
echo "quick start: npm start came up on SQLite and answered /healthz"
