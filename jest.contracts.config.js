/**
 * The tests that hold contract signing and the contract lifecycle job to
 * account (stryker.contracts.config.mjs runs them against every mutant of
 * contract.signing.ts and contract.lifecycle.ts). They need a real PostgreSQL
 * and a server.
 *
 * Only test/contracts-lifecycle.test.ts: it drives every signing step and the
 * job. The other contract files (contracts, -compliance, -subscription, -demo)
 * reach signing only through activeContract(), which this file covers too;
 * Stryker's jest runner cannot bail, so each of them would add its full run
 * time (10-20 s) to every one of ~300 mutants.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/contracts-lifecycle.test.ts'],
  reporters: ['default'],
  maxWorkers: 1,
  // Hooks included: on the shared 2-core machine (load 15+) starting the harness took over 30 s, and a beforeAll
  // that times out fails every test, which Stryker counts as a kill.
  testTimeout: 120_000,
};
