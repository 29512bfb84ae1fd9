import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What no file under lambdas/ imports: infrastructure (lib/, the CDK) and the local stack. */
const RUNTIME_IMPORTS = [
  { group: ['**/lib/**', '**/local/**', 'aws-cdk-lib', 'aws-cdk-lib/*'], message: 'lambdas/ is runtime code: it never imports lib/, local/ or the CDK.' },
];

/**
 * A relative import, from a file `depth` folders below lambdas/, of a lambdas/ folder other than
 * shared/: exactly `depth` times `../`, then a folder name that is not `shared`.
 */
function stepFolderImport(depth) {
  return {
    regex: `^(\\.\\./){${depth}}(?!shared(/|$))[^./][^/]*(/|$)`,
    message: 'A step folder never imports another step folder, and lambdas/shared/ never imports a step: move what a second caller needs to lambdas/shared/.',
  };
}

export default tseslint.config(
  // dist/: the CLI's bundle (scripts/build-cli.mjs), generated.
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.tmp/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [] }],
    },
  },
  {
    // Tests build deliberately malformed input, which is clearer untyped.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Runtime code never depends on infrastructure or the local stack, and a folder under lambdas/
  // never imports another one except lambdas/shared/ (DESIGN.md, dependency direction): a step
  // never imports another step, and shared code never imports a step. One block per folder depth,
  // since a relative import reaches lambdas/ with as many `../` as the file is deep below it.
  ...[1, 2, 3, 4, 5].map((depth) => ({
    files: [`lambdas/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...RUNTIME_IMPORTS, stepFolderImport(depth)] }],
    },
  })),
  {
    // The CLI and the local stack reach a step only through the step registry (local/steps.ts).
    files: ['bin/**/*.ts', 'local/**/*.ts'],
    ignores: ['local/steps.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)lambdas/(?!shared(/|$))[^/]+',
              message: 'bin/ and local/ import step folders only through local/steps.ts; move what they need to lambdas/shared/.',
            },
          ],
        },
      ],
    },
  },
);
