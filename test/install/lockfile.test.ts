import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh machine installs from package-lock.json alone. A lockfile entry without a version made
 * `npm ci` and `npm install` stop with "Invalid Version" on every new machine, while machines that
 * already had node_modules installed fine. `npm ls --package-lock-only --all` reads only the lockfile
 * and package.json, so it sees what a fresh clone sees.
 */

const root = path.join(__dirname, '..', '..');

function lockfileCheck(dir: string): { status: number | null; output: string } {
  const result = spawnSync('npm', ['ls', '--package-lock-only', '--all', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: fs.mkdtempSync(path.join(os.tmpdir(), 'npm-cache-')) },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function entriesWithoutVersion(lock: { packages: Record<string, { version?: string; link?: boolean }> }): string[] {
  return Object.entries(lock.packages)
    .filter(([name, entry]) => name !== '' && !entry.link && !entry.version)
    .map(([name]) => name);
}

function copyInto(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockfile-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const packageJson = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
const lockText = fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8');

describe('package-lock.json', () => {
  it('gives every entry a version', () => {
    expect(entriesWithoutVersion(JSON.parse(lockText))).toEqual([]);
  });

  it('is in sync with package.json, as npm reads it on a fresh clone', () => {
    const check = lockfileCheck(copyInto({ 'package.json': packageJson, 'package-lock.json': lockText }));
    expect(check.output).not.toMatch(/npm error/);
    expect(check.status).toBe(0);
  });

  it('the check fails on an entry without a version and on a range the lockfile does not satisfy', () => {
    const lock = JSON.parse(lockText);
    const [someDependency] = Object.keys(lock.packages).filter((name) => name.startsWith('node_modules/'));
    delete lock.packages[someDependency!].version;
    expect(entriesWithoutVersion(lock)).toEqual([someDependency]);
    expect(lockfileCheck(copyInto({ 'package.json': packageJson, 'package-lock.json': JSON.stringify(lock) })).status).not.toBe(0);

    const stale = JSON.parse(packageJson);
    stale.dependencies.zod = '^3.0.0';
    expect(lockfileCheck(copyInto({ 'package.json': JSON.stringify(stale), 'package-lock.json': lockText })).status).not.toBe(0);
  });
});
