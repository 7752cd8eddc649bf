import flows from './stryker.flows.config.mjs';
/**
 * Mutation testing of the services' state transitions (issue 18): the case
 * lifecycle (contracts: stryker.contracts.config.mjs; patrol batch ingest: stryker.patrols.config.mjs).
 * Error-message strings are not mutated here: tests assert codes, not prose.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...flows,
  jest: { configFile: 'jest.transitions.config.js', enableFindRelatedTests: false },
  mutate: [
    'src/modules/case/case.transitions.ts',
  ],
  mutator: { excludedMutations: ['StringLiteral'] },
  incrementalFile: 'reports/stryker-transitions-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-transitions/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-transitions/mutation.json' },
  eventReporter: { baseDir: 'reports/mutation-transitions/events' },
};
