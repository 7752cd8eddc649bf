import transitions from './stryker.transitions.config.mjs';
/**
 * Mutation testing of patrol batch ingest (issue 18): recordPatrolEvents, the
 * group transaction that judges and records batches (patrol.ingest-group.ts),
 * its status and missed-alert steps (patrol.ingest-status.ts) and the SQL it
 * alone runs (patrol.ingest-sql.ts). Run apart from the other transitions so a
 * rerun costs only the two patrol test files (jest.patrols.config.js).
 * Keep the line range on recordPatrolEvents when patrol.ingest.ts moves.
 */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...transitions,
  jest: { configFile: 'jest.patrols.config.js', enableFindRelatedTests: false },
  mutate: [
    'src/modules/patrol/patrol.ingest.ts:83-130',
    'src/modules/patrol/patrol.ingest-group.ts',
    'src/modules/patrol/patrol.ingest-status.ts',
    'src/modules/patrol/patrol.ingest-sql.ts',
  ],
  incrementalFile: 'reports/stryker-patrols-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-patrols/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-patrols/mutation.json' },
  reporters: transitions.reporters,
  // A surviving mutant runs every covering test of both files and starts two servers: under load that is minutes,
  // and a Stryker timeout would count it as detected.
  timeoutMS: 300_000,
  eventReporter: { baseDir: 'reports/mutation-patrols/events' },
};
