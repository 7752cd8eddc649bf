/**
 * The rules' own tests: pure functions of a viewer, a document or the
 * environment, no database. Mutation testing (stryker.config.mjs) runs these
 * for every mutant; the whole suite (jest.config.js) runs them too.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/rules/**/*.test.ts', '<rootDir>/test/config.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  setupFiles: ['reflect-metadata'],
};
