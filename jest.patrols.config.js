/**
 * The tests that hold patrol batch ingest to account (recordPatrolEvents, its
 * status and missed-alert steps, and the SQL it alone runs). They need a real
 * PostgreSQL and a server; stryker.patrols.config.mjs runs them for the
 * mutants they cover.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/patrols.test.ts', '<rootDir>/test/patrols-ingest.test.ts'],
  reporters: ['default'],
  maxWorkers: 1,
  // Each file's beforeAll starts a whole server; with other mutation runs on the shared machine that took over
  // jest's 30 s, and a setup timeout counted as a kill. Tests under a mutant keep their own 20 s deadline
  // (test/support/mutation-run.ts).
  testTimeout: 120_000,
};
