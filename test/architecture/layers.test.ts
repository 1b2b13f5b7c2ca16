import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The layer rule in eslint.config.mjs: an import that runs back up a layer fails the lint (and CI).
 * ESLint runs as `npm run lint` does, in its own process (jest can't load an ES-module config).
 */

const root = path.join(__dirname, '..', '..');

async function problems(file: string, source: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', file], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('layers', () => {
  it.each([
    ['src/domain/example.ts', "import { ACTION_IDS } from '../slack/ids';\nexport const x = ACTION_IDS;\n"],
    ['src/db/example.ts', "import { OUTBOX_KINDS } from '../domain/notifications';\nexport const x = OUTBOX_KINDS;\n"],
    ['src/lib/example.ts', "import { buildCatalog } from '../providers/catalog';\nexport const x = buildCatalog;\n"],
    ['src/jobs/example.ts', "import type { Core } from '../app';\nexport type X = Core;\n"],
    ['src/domain/example.ts', "import { App } from '@slack/bolt';\nexport const x = App;\n"],
  ])('refuses an upward import in %s', async (file, source) => {
    expect(await problems(file, source)).toHaveLength(1);
  });

  it('accepts imports that point down', async () => {
    expect(await problems('src/slack/example.ts', "import { OUTBOX_KINDS } from '../domain/notifications';\nexport const x = OUTBOX_KINDS;\n")).toEqual([]);
    expect(await problems('src/domain/example.ts', "import { enqueue } from '../db/outbox';\nexport const x = enqueue;\n")).toEqual([]);
  });
});
