// Mutation testing of the files that hold rules (issue 18). Not part of CI:
// `npm run test:mutation`. Incremental: results are kept in
// reports/stryker-incremental.json, so a rerun tests only changed code.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  // findRelatedTests: a mutant's run loads only the test files that import its file (jest.rules.config.js has src/
  // among its roots so that the import graph is whole); per-test coverage then picks the tests within them.
  jest: { configFile: 'jest.rules.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  // No type checker: on this 2-core machine it doubled the run. Mutants that only break types then run as
  // JavaScript; any of them that survives is reviewed like the rest (test/rules/EQUIVALENT-MUTANTS.md).
  checkers: [],
  tsconfigFile: 'tsconfig.json',
  mutate: [
    'src/shared/auth/policy.ts',
    'src/shared/auth/viewer.ts',
    'src/modules/*/*.policy.ts',
    'src/server/limits.ts',
    'src/shared/config.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // event-recorder: one file per tested mutant while the run goes on, so a stopped run still tells.
  reporters: ['clear-text', 'json', 'html', 'progress-append-only', 'event-recorder'],
  eventReporter: { baseDir: 'reports/mutation/events' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  // '.stryker-tmp*': runs side by side (--tempDirName) must not copy each other's sandboxes.
  ignorePatterns: ['.data', 'dist', 'web/dist', 'reports', 'bench', '.stryker-tmp*'],
};
