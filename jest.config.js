/**
 * Two tiers (docs/testing.md). `npm test` is the fast tier: unit, property and stub-activity workflow tests, plus a
 * few real-stack smoke suites (broadcast-e2e; metrics: `npm start` spawned; cli-broadcast and cli-campaign: the client
 * in process, and spawned twice).
 * `npm run test:all` (TEST_TIER=all, what CI runs) adds the suites below, so nothing stops being checked.
 */
const ALL_TIERS_ONLY = {
  // Load-like: many broadcasts or weeks of workflow time.
  load: [
    'campaign-workflow', // a 1,000-entry campaign over several runs
    'campaign-size', // 10,000 then 100,000 entries through the campaign workflow (stub activities)
    'relay-long-run', // 30 days of a relay with a callback every minute (43,200 signals)
    'provider-quota-fleet', // bursts of 150 creates on 1, 2 and 3 worker processes, and one with the owner SIGKILLed
  ],
  // The fault suite at small size: workers killed, the server restarted, faults injected, hostile input.
  chaos: [
    'chaos-callback-faults',
    'chaos-hostile-callbacks',
    'chaos-hostile-requests',
    'chaos-provider-faults',
    'chaos-server-restarted',
    'chaos-worker-killed',
  ],
  // Real stack (dev server, sandbox, callback service, spawned processes, a browser) beyond the smoke suites.
  stack: ['encryption-e2e', 'failover-e2e', 'metrics-port-taken', 'provider/sandbox-cli', 'web-ui'],
};

const allTierOnlyPaths = Object.values(ALL_TIERS_ONLY)
  .flat()
  .map((name) => `<rootDir>/test/${name}\\.test\\.ts$`);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // test/cluster/ builds and runs a real cluster: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/cluster/',
    ...(process.env.TEST_TIER === 'all' ? [] : allTierOnlyPaths),
  ],
  modulePathIgnorePatterns: ['<rootDir>/lib'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Real servers start in many suites; two cores run two suites at a time.
  maxWorkers: 2,
  testTimeout: 60_000,
  // A worker whose event loop has emptied still unloads the Temporal SDK's native runtime before it exits, which takes
  // over jest's default 500 ms on a loaded machine. A real leak (a live timer or thread) still fails to exit in 5 s and
  // is still reported as a worker that was force-exited.
  workerGracefulExitTimeout: 5_000,
  clearMocks: true,
};
