import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ABOVE = {
  lib: ['providers', 'oauth', 'db', 'domain', 'slack', 'http', 'jobs'],
  providers: ['oauth', 'db', 'domain', 'slack', 'http', 'jobs'],
  oauth: ['db', 'domain', 'slack', 'http', 'jobs'],
  db: ['domain', 'slack', 'http', 'jobs'],
  domain: ['slack', 'http', 'jobs'],
  slack: [],
  http: [],
  jobs: [],
};
const NO_SLACK = new Set(['lib', 'providers', 'oauth', 'db', 'domain']);

function layerRules() {
  return Object.entries(ABOVE).map(([layer, above]) => ({
    files: layer === 'lib' ? ['src/lib/**', 'src/config.ts'] : [`src/${layer}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(above.length ? [{ group: above.map((name) => `**/${name}/**`), message: `${layer} is below these layers and must not import them.` }] : []),
            { group: ['**/app', '**/main', '**/cli'], caseSensitive: true, message: 'Only main and the CLI may import the app.' },
            ...(NO_SLACK.has(layer) ? [{ group: ['@slack/*'], message: 'Only the Slack layer depends on Slack.' }] : []),
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layers, imports only pointing down: config/lib → providers → oauth → db → domain → slack/http/jobs →
  // app → main (docs/ARCHITECTURE.md). Each layer may not import the layers above it.
  ...layerRules(),
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
