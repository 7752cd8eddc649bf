/**
 * The tests that hold the write path's envelope to account: transactions and
 * the event-log lock, the scheduler's lock, shutdown draining; and the read
 * side of the event log: the dispatcher, its wake transports (LISTEN with
 * reconnect, Redis), retention and subscription streams. Mutation testing of
 * those files (stryker.flows.config.mjs) runs them per mutant.
 */
const base = require('./jest.config.js');

// Jest starts once per mutant: keep one migrated template instead of building one per start.
process.env.GONGZHI_TEST_KEEP_TEMPLATE = '1';
module.exports = {
  ...base,
  // Each of these starts no server: a real PostgreSQL database or HTTP server only, so a mutant costs seconds.
  // The same rules are also held by the whole-server tests (event-log-rules, realtime, shutdown), too slow to run per mutant.
  // The event tests also need Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379).
  testMatch: ['<rootDir>/test/flows/**/*.test.ts'],
  reporters: ['default'],
  maxWorkers: 1,
};
