import flows from './stryker.flows.config.mjs';
/**
 * Mutation testing of the services' state transitions (issue 18): the case
 * lifecycle (contracts: stryker.contracts.config.mjs), patrol batch ingest (recordPatrolEvents, its status and
 * missed-alert steps, and the SQL it alone runs).
 * Error-message strings are not mutated here: tests assert codes, not prose.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...flows,
  jest: { configFile: 'jest.transitions.config.js', enableFindRelatedTests: false },
  mutate: [
    'src/modules/case/case.transitions.ts',
    'src/modules/patrol/patrol.ingest.ts:97-228',
    'src/modules/patrol/patrol.ingest.ts:304-336',
    'src/modules/patrol/patrol.ingest-sql.ts',
  ],
  mutator: { excludedMutations: ['StringLiteral'] },
  incrementalFile: 'reports/stryker-transitions-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-transitions/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-transitions/mutation.json' },
};
