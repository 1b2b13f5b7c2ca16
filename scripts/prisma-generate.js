// Writes one Prisma schema per database from prisma/models.prisma and generates a client for each.
// Runs at `npm install`; `node scripts/prisma-generate.js --schemas-only` only rewrites the schemas.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const DATABASES = {
  // The URLs are placeholders: at run time the client talks through a driver adapter built from
  // DATABASE_URL. Literal URLs keep the CLI from looking for an environment variable.
  sqlite: { provider: 'sqlite', url: 'file:./placeholder.db' },
  postgresql: { provider: 'postgresql', url: 'postgresql://placeholder@localhost:5432/placeholder' },
};

function composeSchema(database) {
  const { provider, url } = DATABASES[database];
  const models = fs.readFileSync(path.join(root, 'prisma', 'models.prisma'), 'utf8');
  return [
    `// Generated from prisma/models.prisma by scripts/prisma-generate.js. Do not edit.`,
    `generator client {`,
    `  provider     = "prisma-client"`,
    `  output       = "../../src/generated/${database}"`,
    `  engineType   = "client"`,
    `  moduleFormat = "cjs"`,
    `}`,
    ``,
    `datasource db {`,
    `  provider = "${provider}"`,
    `  url      = "${url}"`,
    `}`,
    ``,
    models,
  ].join('\n');
}

function schemaPath(database) {
  return path.join(root, 'prisma', database, 'schema.prisma');
}

function writeSchemas() {
  for (const database of Object.keys(DATABASES)) {
    fs.mkdirSync(path.dirname(schemaPath(database)), { recursive: true });
    fs.writeFileSync(schemaPath(database), composeSchema(database));
  }
}

function generateClients() {
  const cli = require.resolve('prisma/build/index.js');
  for (const database of Object.keys(DATABASES)) {
    execFileSync(process.execPath, [cli, 'generate', '--config', path.join(root, 'prisma', `${database}.config.ts`)], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    });
  }
}

module.exports = { composeSchema, schemaPath, DATABASES };

if (require.main === module) {
  writeSchemas();
  if (!process.argv.includes('--schemas-only')) generateClients();
}
