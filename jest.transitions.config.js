/**
 * The tests that hold the services' state transitions to account (contract
 * signing and lifecycle, case lifecycle, patrol batch ingest). They need a
 * real PostgreSQL and a server; stryker.transitions.config.mjs runs them for
 * the mutants they cover.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/contracts-lifecycle.test.ts',
    '<rootDir>/test/cases.test.ts',
    '<rootDir>/test/patrols.test.ts',
    '<rootDir>/test/patrols-ingest.test.ts',
  ],
  reporters: ['default'],
  maxWorkers: 1,
};
