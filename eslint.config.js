// Lint, including the layer boundaries of ARCHITECTURE.md: a wrong import fails CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LAYERS = ['ssh-proto', 'card', 'ccid', 'pki', 'identity', 'relay', 'sim', 'web', 'cli', 'tests', 'bench'];

/** An import of another top-level folder, written relative to the importing file. */
const layerImport = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

/** Folder `from` may not import any of `forbidden`; allowed folders only through index.ts. */
function boundary(from, forbidden, { browser = false } = {}) {
  const patterns = [
    {
      regex: layerImport(forbidden),
      message: `${from}/ may not depend on this layer (ARCHITECTURE.md, "Dependencies point one way").`,
    },
    {
      regex: `^(\\.\\./)+(${LAYERS.join('|')})/(?!index\\.ts$).+`,
      message: 'Import another folder only through its index.ts (STYLE.md).',
    },
  ];
  if (browser) {
    patterns.push({
      regex: '^node:|^(fs|net|tls|http|https|crypto|child_process|os|path|zlib|stream)(/|$)',
      message: `${from}/ runs in the browser: no Node built-ins.`,
    });
  }
  return {
    files: [`${from}/**/*.ts`],
    ignores: [`${from}/**/*.test.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

/** Tests may import sim/ and tests/ helpers, but still only through index.ts. */
function testBoundary(from, forbidden) {
  return {
    files: [`${from}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: layerImport(forbidden), message: `${from}/ tests may not depend on this layer.` },
          { regex: `^(\\.\\./)+(${LAYERS.join('|')})/(?!index\\.ts$).+`, message: 'Import another folder only through its index.ts.' },
        ],
      }],
    },
  };
}

const PRODUCT_CORE = ['ssh-proto', 'card', 'ccid', 'pki'];
const others = (self) => PRODUCT_CORE.filter((l) => l !== self);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.peers/**', '.build/**', 'coverage/**', 'test-results/**', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Node build scripts.
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } } },
  // The four protocol layers import none of each other, nor anything above them.
  ...PRODUCT_CORE.map((l) => boundary(l, [...others(l), 'identity', 'relay', 'sim', 'web', 'cli', 'tests', 'bench'], { browser: true })),
  ...PRODUCT_CORE.map((l) => testBoundary(l, [...others(l), 'identity', 'relay', 'web', 'cli', 'bench'])),
  // identity/ composes card/, pki/ and ssh-proto/ into a login identity (the pre-sign gate); web/ and cli/ use it.
  boundary('identity', ['ccid', 'relay', 'sim', 'web', 'cli', 'tests', 'bench'], { browser: true }),
  testBoundary('identity', ['relay', 'web', 'cli', 'bench']),
  // relay/ is standalone Node code; it may use pki/.
  boundary('relay', ['ssh-proto', 'card', 'ccid', 'identity', 'sim', 'web', 'cli', 'tests', 'bench']),
  // sim/ is independent virtual hardware: it must not share the client's code, or bugs would mirror.
  boundary('sim', ['ssh-proto', 'card', 'ccid', 'pki', 'identity', 'relay', 'web', 'cli', 'tests', 'bench']),
  // web/ composes the layers; it reaches sim/ only through its demo wiring.
  { ...boundary('web', ['relay', 'cli', 'tests', 'bench', 'sim'], { browser: true }), ignores: ['web/**/*.test.ts', 'web/demo/**'] },
  boundary('cli', ['web', 'tests', 'bench']),
  // The demo is a test setup shown to people: it may start the test peers (tests/peers/index.ts).
  {
    files: ['cli/demo.ts', 'cli/demo/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: layerImport(['web', 'bench']), message: 'cli/ may not depend on this layer.' },
          { regex: `^(\\.\\./)+(?!tests/peers/index\\.ts$)(${LAYERS.join('|')})/(?!index\\.ts$).+`, message: 'Import another folder only through its index.ts.' },
        ],
      }],
    },
  },
);
