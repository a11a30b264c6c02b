import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.stack/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Kafka clients stay behind the messaging adapters so the client can be swapped.
    files: ['**/*.ts'],
    // Adapter tests use the clients' own error and record classes to check the translation, and
    // on the broker its admin and diagnostics to make and see what the port cannot (a member the
    // group forgot, a member that does not rejoin, a transaction's state as its coordinator has
    // it); the bench's baseline is a raw client by definition.
    ignores: [
      'src/messaging/**',
      'test/unit/platformatic-*.test.ts',
      'test/integration/platformatic-*.test.ts',
      'test/support/platformatic-*.ts',
      'bench/baseline.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@platformatic/kafka', message: 'Use src/messaging instead.' }],
        },
      ],
    },
  },
  {
    // Connectors may import the SDK only.
    files: ['connectors/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@platformatic/kafka', message: 'Connectors import src/sdk only.' }],
          patterns: [{ regex: '^\\.\\./\\.\\./src/(?!sdk/)', message: 'Connectors import src/sdk only.' }],
        },
      ],
    },
  },
);
