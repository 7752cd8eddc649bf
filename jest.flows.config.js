/**
 * The tests that hold the write-path rules (transactions and the event log,
 * the scheduler's lock, shutdown order, state transitions) to account. They
 * need a real PostgreSQL and a server; mutation testing of those files
 * (stryker.flows.config.mjs) runs them for the mutants they cover.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/event-log-rules.test.ts',
    '<rootDir>/test/shutdown.test.ts',
  ],
  reporters: ['default'],
  maxWorkers: 1,
};
