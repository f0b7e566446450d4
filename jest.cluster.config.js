/**
 * `npm run test:cluster`: the suites under test/cluster/ against a real Temporal cluster (PostgreSQL, one process per
 * service) that they start with the cluster command's own functions. One suite at a time: each runs a whole cluster
 * and three worker processes on this machine's cores.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 20 * 60_000,
};
