import flows from './stryker.flows.config.mjs';
/**
 * Mutation testing of the services' state transitions (issue 18): contract
 * signing and lifecycle, the case lifecycle, patrol batch ingest. Ranges are
 * the transition functions; the reads around them are covered elsewhere.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...flows,
  jest: { configFile: 'jest.transitions.config.js', enableFindRelatedTests: false },
  mutate: [
    'src/modules/contract/contract.service.ts:513-756',
    'src/modules/case/case.service.ts:311-540',
    'src/modules/patrol/patrol.ingest.ts:127-320',
  ],
  incrementalFile: 'reports/stryker-transitions-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-transitions/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-transitions/mutation.json' },
};
