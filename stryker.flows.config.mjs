import base from './stryker.config.mjs';
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  jest: { configFile: 'jest.flows.config.js', enableFindRelatedTests: false },
  // src/shared/events/: every file but event.entity.ts, which holds only the table's column decorators
  // (evaluated once at import, so static mutants that ignoreStatic skips) and a type.
  mutate: [
    'src/shared/transaction.ts',
    'src/shared/scheduler.ts',
    'src/server/drain.ts',
    'src/shared/events/event-bus.ts',
    'src/shared/events/event-stream.ts',
    'src/shared/events/transports.ts',
    'src/shared/events/retention.ts',
  ],
  incrementalFile: 'reports/stryker-flows-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-flows/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation-flows/mutation.json' },
  concurrency: 1,
  // Static mutants (module-level constants) need a fresh module registry per run; the rules live in functions.
  ignoreStatic: true,
  // event-recorder: one file per tested mutant while the run goes on (the other reports come at its end), so a
  // stopped run still tells, and a kill's reason can be read before it is counted.
  reporters: ['clear-text', 'json', 'html', 'progress-append-only', 'event-recorder'],
  eventReporter: { baseDir: 'reports/mutation-flows/events' },
  timeoutMS: 60000,
};
