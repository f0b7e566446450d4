/**
 * The campaign in the Temporal Web UI, in a real browser: a dev server with its Web UI, the provider sandbox and the
 * relay workers run a small campaign; headless Chromium (Debian's `chromium`, driven by playwright-core) opens the
 * link the CLI prints (`webUiLink`) and finds every broadcast with its status and BroadcastState, then the campaign's
 * own page with its counts in "Current Details". Screenshots go to test-artifacts/.
 *
 * Needs Chromium: `npm install` installs it as root on Debian (scripts/install-chromium.js); without one the suite
 * fails and says how to install it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Locator, Page } from 'playwright-core';

import type { CampaignEntry } from '../src/campaign/file';
import { submitCampaign, webUiLink } from '../src/campaign/submit';
import { isoSeconds } from '../src/shared/time';
import type { campaignWorkflow } from '../src/workflows/campaign';
import { campaignStatusQuery } from '../src/workflows/campaign-messages';
import { cancelUpdate, statusQuery } from '../src/workflows/messages';

import { relayRequest } from '../testkit/broadcasts';
import { freePort } from '../testkit/ports';
import { launchChromium } from './helpers/browser';
import { startRelayStack, type RelayStack } from '../testkit/relay-stack';
import { createDevEnv } from '../testkit/temporal';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');
/** Bound on how long the Web UI may take to list what visibility has not indexed yet (eventually consistent). */
const LISTED_WITHIN_MS = 45_000;

/** Polls `read` (errors count as "not yet") until `done` holds; a bound, not a timing assertion. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`
  );
}

/**
 * Loads `url` until every locator `expected(page)` returns is visible: the list is read from visibility, which may lag
 * behind the workflows, so a page that does not show them yet is loaded again (bounded by LISTED_WITHIN_MS).
 */
async function loadUntilVisible(page: Page, url: string, expected: (page: Page) => Locator[]): Promise<void> {
  const deadline = Date.now() + LISTED_WITHIN_MS;
  let lastError: Error | undefined;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      const perAttempt = Math.max(1_000, Math.min(10_000, deadline - Date.now()));
      for (const locator of expected(page)) await locator.waitFor({ state: 'visible', timeout: perAttempt });
      return;
    } catch (err) {
      lastError = err as Error;
    }
  }
  throw new Error(`${url} did not show what was expected within ${LISTED_WITHIN_MS} ms: ${lastError?.message}`);
}

describe('campaign in the Temporal Web UI (headless Chromium)', () => {
  let browser: Browser;
  let env: TestWorkflowEnvironment;
  let stack: RelayStack;
  let uiUrl: string;

  beforeAll(async () => {
    browser = await launchChromium(); // first: without Chromium, fail at once with how to install it
    const uiPort = await freePort();
    uiUrl = `http://127.0.0.1:${uiPort}`;
    env = await createDevEnv({ uiPort });
    stack = await startRelayStack(env, { taskQueue: `web-ui-${randomUUID()}` });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await env?.teardown();
  });

  it('lists the campaign broadcasts with their states and shows the campaign counts', async () => {
    const campaignId = `web-ui-${randomUUID().slice(0, 8)}`;
    const now = Date.now();
    // Far in the future: the broadcasts wait in Scheduled for the whole test. One legacy entry makes it a mix.
    const entries: CampaignEntry[] = [
      { key: 'opening', line: 1, request: relayRequest(now, DAY, HOUR) },
      { key: 'keynote', line: 2, request: relayRequest(now, DAY + HOUR, HOUR) },
      {
        key: 'panel',
        line: 3,
        request: {
          flavour: 'legacy',
          legacy: {
            DomainName: 'live.example.com',
            AppName: 'festival',
            StreamName: `panel-${campaignId}`,
            SourceUrl: 'rtmp://origin.example.com/live/panel',
            StartTime: isoSeconds(new Date(now + DAY + 2 * HOUR)),
            EndTime: isoSeconds(new Date(now + DAY + 3 * HOUR)),
          },
          leadTimeSeconds: 300,
        },
      },
      { key: 'closing', line: 4, request: relayRequest(now, DAY + 3 * HOUR, HOUR) },
    ];
    const broadcastId = (key: string) => `${campaignId}/${key}`;
    const expectedState: Record<string, string> = {
      opening: 'Scheduled',
      keynote: 'Scheduled',
      panel: 'Scheduled',
      closing: 'Cancelled', // cancelled below, so the UI has two states and a non-trivial count to show
    };
    const page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
    page.setDefaultTimeout(15_000); // each wait below is for something already true on the server

    await stack.run(async () => {
      const submitted = await submitCampaign({
        client: env.client,
        taskQueue: stack.taskQueue,
        campaignId,
        entries,
      });
      expect(submitted).toEqual({ accepted: 4, duplicates: 0 });
      // The campaign starts its broadcasts in the background: each exists (and answers) a little later.
      for (const { key } of entries) {
        const handle = env.client.workflow.getHandle(broadcastId(key));
        await eventually(
          () => handle.query(statusQuery),
          (s) => s.state === 'Scheduled',
          `${key} Scheduled`
        );
      }
      await env.client.workflow
        .getHandle(broadcastId('closing'))
        .executeUpdate(cancelUpdate, { args: [{ reason: 'dropped from the programme' }] });
      const campaign = env.client.workflow.getHandle<typeof campaignWorkflow>(campaignId);
      const { counts } = await eventually(
        () => campaign.query(campaignStatusQuery),
        (s) => s.counts.Cancelled === 1,
        'the campaign counting the cancelled broadcast'
      );
      expect(counts).toEqual({ Started: 3, Cancelled: 1 });

      try {
        // 1. The link the CLI prints: every broadcast of the campaign (not the campaign workflow), each with its execution status.
        const link = webUiLink(uiUrl, env.namespace ?? 'default', campaignId);
        const rowOf = (p: Page, workflowId: string) =>
          p
            .getByTestId('workflows-summary-configurable-table-row')
            .filter({ has: p.getByRole('link', { name: workflowId, exact: true }) });
        await loadUntilVisible(page, link, (p) => entries.map(({ key }) => rowOf(p, broadcastId(key))));
        for (const { key } of entries) {
          const row = rowOf(page, broadcastId(key));
          const type = key === 'panel' ? 'legacyPullWorkflow' : 'relayBroadcastWorkflowV2'; // one type per flavour
          await row.getByText(type, { exact: true }).waitFor();
          // A cancelled broadcast compensates and returns: its execution is Completed, its BroadcastState Cancelled.
          await row.getByText(key === 'closing' ? /^completed$/i : /^running$/i).waitFor();
        }
        const rows = page.getByTestId('workflows-summary-configurable-table-row');
        expect(await rows.count()).toBe(entries.length); // the campaign's broadcasts, and nothing else

        // 2. The BroadcastState search attribute as a column, added the way a user does it.
        await page.getByTestId('workflows-summary-table-configuration-button').click();
        await page.getByTestId('orderable-list-item-BroadcastState-add-button').click();
        const close = page.getByRole('button', { name: 'Close Workflows Table configuration' });
        await close.click();
        await close.waitFor({ state: 'hidden' });
        const stateHeader = page.getByRole('columnheader', { name: 'BroadcastState' });
        await stateHeader.waitFor();
        await stateHeader.scrollIntoViewIfNeeded(); // the table scrolls sideways; keep the states in the screenshot
        for (const { key } of entries) {
          await rowOf(page, broadcastId(key)).getByRole('cell', { name: expectedState[key], exact: true }).waitFor();
        }
        await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-campaign-list.png'), fullPage: true });

        // 3. The campaign's own page: "Current Details" (setCurrentDetails, rendered in a frame) shows the counts.
        await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(campaignId)}`);
        await page.getByText('User Metadata', { exact: true }).click();
        const details = page.frameLocator('iframe[src*="not%20started"]');
        await details.getByText('running · 4 broadcasts · 0 not started').waitFor();
        for (const [state, n] of Object.entries(counts)) {
          await details
            .getByRole('row')
            .filter({ has: details.getByRole('cell', { name: state, exact: true }) })
            .getByRole('cell', { name: String(n), exact: true })
            .waitFor();
        }
        await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-campaign-details.png'), fullPage: true });
      } catch (err) {
        await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-failure.png'), fullPage: true }).catch(() => {});
        throw err;
      }
    });
  }, 120_000);
});
