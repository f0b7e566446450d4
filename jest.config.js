/**
 * Suites too slow for `npm test` (minutes of wall time each); `npm run test:all`, which CI runs, includes them.
 * - relay-long-run: 30 days of a relay with a callback every minute (43,200 signals).
 * - campaign-size: campaigns of 10,000 and 100,000 entries (110,000 reports).
 */
const ALL_TIERS_ONLY = ['<rootDir>/test/relay-long-run.test.ts', '<rootDir>/test/campaign-size.test.ts'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // test/cluster/ builds and runs a real cluster: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/cluster/',
    ...(process.env.TEST_TIER === 'all' ? [] : ALL_TIERS_ONLY),
  ],
  modulePathIgnorePatterns: ['<rootDir>/lib'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Real servers start in most suites; two cores run two suites at a time.
  maxWorkers: 2,
  testTimeout: 60_000,
  clearMocks: true,
};
