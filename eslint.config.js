import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'tmp/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Library code must not depend on the CLI framework: commands are thin wrappers over it.
    files: ['src/**/*.ts'],
    ignores: ['src/commands/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [{group: ['@oclif/*'], message: 'src/<domain> is a library: only src/commands and src/cli may import oclif.'}]}],
    },
  },
  {
    // Tests poke at parsed YAML/JSON to build malformed inputs.
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off'},
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs', 'containers/**/*.js', 'leaderboard/**/*.js'],
    languageOptions: {globals: {console: 'readonly', process: 'readonly', document: 'readonly', window: 'readonly', URL: 'readonly'}},
  },
)
