/**
 * The tests that hold the case lifecycle (case.transitions.ts) to account:
 * every step, its policy and lock (cases), supervision and escalation. They
 * need a real PostgreSQL and a server; stryker.transitions.config.mjs runs
 * them for the mutants they cover. Contracts and patrols have runs of their
 * own (jest.contracts.config.js, jest.patrols.config.js): listing their files
 * here loaded them for every case mutant.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/cases.test.ts', '<rootDir>/test/escalation.test.ts'],
  reporters: ['default'],
  maxWorkers: 1,
  // Hooks included: a beforeAll that times out fails every test, which Stryker counts as a kill.
  testTimeout: 120_000,
};
