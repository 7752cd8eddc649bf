import transitions from './stryker.transitions.config.mjs';
/**
 * Mutation testing of contract signing and the contract lifecycle job (issue 18):
 * `npm run test:mutation:contracts`.
 *
 * coverageAnalysis 'all': every mutant runs the whole contract test file. Per-test
 * coverage misattributed the lifecycle job, which runs from `scheduler.runAll()`
 * (mutants of the job were reported as survivors that turn tests red when planted
 * by hand), and running only the "covering" tests of a file broke tests that read
 * rows an earlier test wrote. The file fails fast under a mutant
 * (test/support/mutation-run.ts), so a killed mutant costs little more than the
 * server's start.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...transitions,
  jest: { configFile: 'jest.contracts.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'all',
  // Stryker refuses ignoreStatic without per-test coverage; jest loads the modules anew for every mutant anyway.
  ignoreStatic: false,
  mutate: ['src/modules/contract/contract.signing.ts', 'src/modules/contract/contract.lifecycle.ts'],
  incrementalFile: 'reports/stryker-contracts-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-contracts/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-contracts/mutation.json' },
  reporters: transitions.reporters,
  eventReporter: { baseDir: 'reports/mutation-contracts/events' },
};
