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
  reporters: ['clear-text', 'json', 'html', 'progress-append-only'],
  timeoutMS: 60000,
};
