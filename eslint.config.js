// Lint: typescript-eslint's recommended rules; console only in the CLI and benchmarks (STYLE 6).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'native/build/**', 'build/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/cli/**', 'bench/**', 'test/**', 'scripts/**', '**/*.test.ts'], rules: { 'no-console': 'off' } },
);
