#!/usr/bin/env bash
# Writes the SQL that takes each database from its committed migrations to prisma/models.prisma, as a
# new migration folder per database. Prisma's `migrate dev` needs an engine we can't download here, so
# we diff the previous schema (kept by git) against the new one instead.
# Usage: scripts/new-migration.sh <name>   (run after editing prisma/models.prisma)
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/new-migration.sh <name>}"
node scripts/prisma-generate.js --schemas-only
stamp="$(date -u +%Y%m%d%H%M%S)"
for db in sqlite postgresql; do
  dir="prisma/$db/migrations/${stamp}_${name}"
  mkdir -p "$dir"
  previous="$(mktemp)"
  git show "HEAD:prisma/$db/schema.prisma" > "$previous"
  npx prisma migrate diff --config "prisma/$db.config.ts" --from-schema-datamodel "$previous" \
    --to-schema-datamodel "prisma/$db/schema.prisma" --script > "$dir/migration.sql"
  rm -f "$previous"
  echo "wrote $dir/migration.sql"
done
node scripts/prisma-generate.js
