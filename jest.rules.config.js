/**
 * The rules' own tests: pure functions of a viewer, a document or the
 * environment, no database. Mutation testing (stryker.config.mjs) runs these
 * for every mutant; the whole suite (jest.config.js) runs them too.
 */
module.exports = {
  testEnvironment: 'node',
  // src/ is a root only for the import graph: Stryker asks jest for the tests related to a mutated file
  // (findRelatedTests), which follows imports only through roots. testMatch still picks the tests.
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['<rootDir>/test/rules/**/*.test.ts', '<rootDir>/test/config.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  setupFiles: ['reflect-metadata'],
};
