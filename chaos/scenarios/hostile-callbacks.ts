/**
 * Hostile callback input: a seeded corpus of at least 10,000 bad requests (malformed JSON, wrong types, missing
 * fields, huge bodies and headers, missing, bad and forged tokens, unknown or finished workflows, wrong methods,
 * paths and content types, broken HTTP) plus a few slow senders, fired at the real callback service in front of a
 * dev server with real Running broadcasts, with valid control callbacks interleaved. Measured: the status code of
 * every answer against the one the service documents for that defect, the signals each broadcast's history really
 * holds against the control callbacks that were accepted, a valid callback answered at the end, and the sandbox
 * audit after the broadcasts are cancelled.
 */
import { Readable } from 'node:stream';

import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { Agent, request } from 'undici';

import type { TaskEvent } from '../../src/shared/broadcast';
import { cancelUpdate, taskEventSignal } from '../../src/workflows/messages';
import { times } from '../../bench/lib/concurrency';
import { inState, relayRequest, waitForStatus } from '../../testkit/broadcasts';
import { TEST_CALLBACK_SECRET } from '../../testkit/relay-stack';
import {
  HOSTILE_CATEGORIES,
  callbackPath,
  hostileCorpus,
  runningEvent,
  slowSender,
  type CallbackTarget,
  type HostileCase,
  type HttpCase,
} from '../lib/callback-corpus';
import { startChaosEnv } from '../lib/chaos-env';
import { seededRandom } from '../../testkit/prng';
import { rawExchange } from '../lib/raw-http';
import { auditRelays, settle } from '../lib/relay-audit';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';

const SIZES = {
  small: { hostile: 1_000, slowSenders: 4, broadcasts: 2 },
  full: { hostile: 10_000, slowSenders: 12, broadcasts: 3 },
};
/** Fixed, so a failing case reproduces: rerun and look it up by its index. */
export const CORPUS_SEED = 0x7ca11bac;
/** One valid control callback after every this many hostile requests. */
const CONTROL_EVERY = 20;
const IN_FLIGHT = 16;
/** Slow senders write one piece this often: far slower than the service's 5 s header / 10 s request timeouts. */
const TRICKLE_GAP_MS = 500;

export interface WrongAnswer {
  index: number;
  category: string;
  note: string;
  expected: number;
  got: number | string;
}

export interface HostileCallbacksResult {
  report: ChaosReport;
  hostileRequests: number;
  wrongAnswers: WrongAnswer[];
  /** Hostile answers by category, then by status (or `closed`/`error: …`). */
  byCategory: Record<string, Record<string, number>>;
  controlsSent: number;
  controlsAccepted: number;
  /** taskEvent signals in the broadcasts' histories that no accepted control callback explains. */
  spuriousSignals: number;
  /** Control callbacks answered 200 whose signal is not in the history. */
  lostControls: number;
  /** Valid callbacks sent after everything else, one per broadcast: all answered 200. */
  answeredAtEnd: boolean;
  slowSenderSeconds: number[];
}

const keyOf = (e: Pick<TaskEvent, 'taskId' | 'kind' | 'eventTime'>) => `${e.taskId}|${e.kind}|${e.eventTime}`;

/** The body of an HTTP case as sent: padded past the limit, streamed in chunks when asked. */
function bodyOf(c: HttpCase): string | Buffer | Readable | undefined {
  if (c.body === undefined) return undefined;
  const text =
    c.padBytes && typeof c.body === 'string' ? `${c.body.slice(0, -1)},"Padding":"${'x'.repeat(c.padBytes)}"}` : c.body;
  if (!c.chunked) return text;
  const whole = Buffer.from(text);
  return Readable.from(
    (function* () {
      for (let at = 0; at < whole.length; at += 16_384) yield whole.subarray(at, at + 16_384);
    })()
  );
}

type Answer = number | string;

/** One HTTP request; the status code, or what went wrong instead of an answer. */
async function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer | Readable },
  dispatcher: Agent
): Promise<Answer> {
  try {
    const res = await request(url, {
      method: init.method as 'POST',
      headers: init.headers,
      body: init.body,
      dispatcher,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    await res.body.dump();
    return res.statusCode;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function send(baseUrl: string, port: number, c: HostileCase, dispatcher: Agent): Promise<Answer> {
  if (c.kind === 'http') return exchange(`${baseUrl}${c.path}`, { ...c, body: bodyOf(c) }, dispatcher);
  return rawExchange(port, c.parts, { gapMs: c.gapMs, timeoutMs: 60_000 }).then(
    (answer) => answer.status ?? (answer.timedOut ? 'no answer in 60 s' : 'closed without answer')
  );
}

/** The taskEvent signals a workflow's history really holds, decoded with the client's converter and codecs. */
async function signalsOf(client: Client, workflowId: string): Promise<TaskEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const converter = client.options.loadedDataConverter;
  const events: TaskEvent[] = [];
  for (const event of history.events ?? []) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== taskEventSignal.name) continue;
    let payloads = (signal.input?.payloads ?? []) as Payload[];
    for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    const first = payloads[0];
    if (first) events.push(converter.payloadConverter.fromPayload<TaskEvent>(first));
  }
  return events;
}

const tally = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const formatTally = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}×${n}`)
    .join(', ');

export async function runHostileCallbacks(ctx: ChaosContext): Promise<HostileCallbacksResult> {
  const size = SIZES[ctx.size];
  const chaos = await startChaosEnv();
  const dispatcher = new Agent({ connections: IN_FLIGHT, pipelining: 1 });
  try {
    const service = await chaos.callbackService();
    // No CallbackUrl on the tasks: the sandbox sends nothing, so every signal a history holds came from this run.
    const stack = await chaos.relayStack('hostile-callbacks', {});
    const client = chaos.env.client;
    return await stack.run(async () => {
      const now = Date.now();
      const handles: WorkflowHandle[] = [];
      for (let i = 0; i < size.broadcasts; i++) {
        handles.push(await chaos.startBroadcast(stack, relayRequest(now, 5_000, 15 * 60_000), 'hostile-callbacks'));
      }
      // A broadcast that has finished (cancelled while waiting for its lead time): callbacks to it must be 404.
      const finished = await chaos.startBroadcast(stack, relayRequest(now, 3_600_000, 60_000), 'hostile-finished');
      await finished.executeUpdate(cancelUpdate, { args: [{ reason: 'finished before the corpus' }] });

      const targets: CallbackTarget[] = [];
      for (const handle of handles) {
        const created = await waitForStatus(handle, (s) => s.taskId !== undefined, 'task created', 60_000);
        targets.push({ workflowId: handle.workflowId, taskId: created.taskId ?? '' });
      }
      const accepted = new Map<string, string[]>(targets.map((t) => [t.workflowId, []]));
      let controlsSent = 0;
      let nextEventTime = Math.floor(now / 1000) + 1_000;
      const control = async (t: CallbackTarget): Promise<Answer> => {
        const event = runningEvent(t.taskId, nextEventTime++);
        controlsSent++;
        const got = await exchange(
          `${service.url}${callbackPath(TEST_CALLBACK_SECRET, t.workflowId)}`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) },
          dispatcher
        );
        if (got === 200) {
          accepted
            .get(t.workflowId)
            ?.push(keyOf({ taskId: t.taskId, kind: 'running', eventTime: Number(event.EventTime) }));
        }
        return got;
      };
      // The first control callback is what makes each broadcast Running.
      for (const [i, t] of targets.entries()) {
        await control(t);
        await waitForStatus(handles[i] as WorkflowHandle, inState('Running'), 'Running', 30_000);
      }

      const rng = seededRandom(CORPUS_SEED);
      const corpusContext = { secret: TEST_CALLBACK_SECRET, targets, finishedWorkflowId: finished.workflowId };
      const corpus = hostileCorpus(rng, corpusContext, size.hostile - size.slowSenders);
      const slow = Array.from({ length: size.slowSenders }, () => slowSender(rng, corpusContext, TRICKLE_GAP_MS));
      ctx.log(
        `hostile-callbacks: ${corpus.length} hostile requests + ${slow.length} slow senders (seed ${CORPUS_SEED})`
      );

      const byCategory: Record<string, Record<string, number>> = {};
      const wrongAnswers: WrongAnswer[] = [];
      const judge = (index: number, c: HostileCase, got: Answer) => {
        tally((byCategory[c.category] ??= {}), String(got));
        if (got !== c.expected)
          wrongAnswers.push({ index, category: c.category, note: c.note, expected: c.expected, got });
      };

      let firstSlowDone = Number.POSITIVE_INFINITY;
      const slowStarted = Date.now();
      const slowSeconds: number[] = [];
      const slowRuns = slow.map(async (c, i) => {
        const got = await send(service.url, service.port, c, dispatcher);
        const done = Date.now();
        firstSlowDone = Math.min(firstSlowDone, done);
        slowSeconds.push((done - slowStarted) / 1000);
        judge(corpus.length + i, c, got);
      });

      let answeredWhileSlowOpen = 0;
      const bulk = corpus.length + Math.floor(corpus.length / CONTROL_EVERY);
      await times(
        bulk,
        IN_FLIGHT,
        async (i) => {
          const isControl = (i + 1) % (CONTROL_EVERY + 1) === 0;
          if (isControl) {
            await control(targets[i % targets.length] as CallbackTarget);
          } else {
            const index = i - Math.floor((i + 1) / (CONTROL_EVERY + 1));
            const c = corpus[index];
            if (c) judge(index, c, await send(service.url, service.port, c, dispatcher));
          }
          if (Date.now() < firstSlowDone) answeredWhileSlowOpen++;
        },
        (done) => {
          if (done % 2_000 === 0) ctx.log(`${done}/${bulk} requests answered`);
        }
      );
      await Promise.all(slowRuns);

      // Still answering: one more valid callback per broadcast, after everything else.
      const finalAnswers = await Promise.all(targets.map((t) => control(t)));
      const answeredAtEnd = finalAnswers.every((s) => s === 200);

      for (const handle of handles) await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'corpus done' }] });
      const outcomes = await Promise.all([...handles, finished].map((h) => settle(h)));
      const audit = auditRelays(
        stack.sandbox,
        outcomes.map((outcome) => ({ outcome, expect: { state: 'Cancelled' as const } }))
      );

      let spuriousSignals = 0;
      let lostControls = 0;
      for (const workflowId of [...accepted.keys(), finished.workflowId]) {
        const expected = [...(accepted.get(workflowId) ?? [])];
        for (const signal of await signalsOf(client, workflowId)) {
          const at = expected.indexOf(keyOf(signal));
          if (at >= 0) expected.splice(at, 1);
          else spuriousSignals++;
        }
        lostControls += expected.length;
      }
      const controlsAccepted = [...accepted.values()].reduce((n, keys) => n + keys.length, 0);

      const hostileRequests = corpus.length + slow.length;
      const statusTally: Record<string, number> = {};
      for (const counts of Object.values(byCategory)) {
        for (const [status, n] of Object.entries(counts)) statusTally[status] = (statusTally[status] ?? 0) + n;
      }
      const details = [
        `corpus: seed ${CORPUS_SEED}, ${hostileRequests} hostile requests (${slow.length} of them slow senders) and ${controlsSent} valid control callbacks to ${targets.length} Running broadcasts, ${IN_FLIGHT} in flight`,
        `hostile requests answered with the expected 4xx: ${hostileRequests - wrongAnswers.length}/${hostileRequests}`,
        `hostile answers by status: ${formatTally(statusTally)}`,
        ...Object.entries(HOSTILE_CATEGORIES).map(
          ([category, expected]) => `${category} (expect ${expected}): ${formatTally(byCategory[category] ?? {})}`
        ),
        `control callbacks: ${controlsSent} sent, ${controlsAccepted} answered 200; spurious signals in histories: ${spuriousSignals}; accepted but missing: ${lostControls}`,
        `valid callbacks answered at the end: ${finalAnswers.filter((s) => s === 200).length}/${targets.length}`,
        `slow senders timed out after ${Math.min(...slowSeconds).toFixed(1)}–${Math.max(...slowSeconds).toFixed(1)} s; requests answered meanwhile: ${answeredWhileSlowOpen}`,
        `service's own outcome counts: ${formatTally(Object.fromEntries(Object.entries(service.counts).filter(([, n]) => n > 0)))}`,
        ...wrongAnswers
          .slice(0, 10)
          .map((w) => `LOST wrong answer #${w.index} ${w.category} (${w.note}): expected ${w.expected}, got ${w.got}`),
        ...audit.lost.map((l) => `LOST ${l.workflowId}: ${l.why}`),
        ...audit.duplicateDetails,
      ];
      return {
        report: {
          counts: {
            runs: hostileRequests + controlsSent,
            faultsInjected: hostileRequests,
            broadcasts: outcomes.length,
            duplicates: audit.duplicates,
            orphans: audit.orphans,
            // Anything the scenario promises and did not hold counts as lost, so `npm run chaos` fails on it.
            lost:
              audit.lost.length +
              lostControls +
              spuriousSignals +
              wrongAnswers.length +
              finalAnswers.filter((s) => s !== 200).length,
          },
          details,
        },
        hostileRequests,
        wrongAnswers,
        byCategory,
        controlsSent,
        controlsAccepted,
        spuriousSignals,
        lostControls,
        answeredAtEnd,
        slowSenderSeconds: slowSeconds,
      };
    });
  } finally {
    await dispatcher.close();
    await chaos.close();
  }
}

export const hostileCallbacks: ChaosScenario = {
  name: 'hostile-callbacks',
  title: 'Hostile callback input',
  method:
    'A seeded corpus of bad requests to the real callback service (malformed JSON, wrong types, missing fields, ' +
    'bodies over 64 KiB declared or streamed, headers over 16 KiB, missing/bad/forged tokens, unknown and finished ' +
    'workflows, wrong methods, paths and content types, broken HTTP, slow senders) with valid control callbacks ' +
    'interleaved, against Running broadcasts on a dev server. Correct: every hostile request gets the documented 4xx ' +
    'for its defect, the histories hold exactly the accepted control callbacks, a valid callback is still answered ' +
    'at the end, and the cancelled broadcasts leave no task. Lost counts broadcasts not ending Cancelled, accepted ' +
    'controls missing from a history, spurious signals, wrong answers and valid callbacks refused at the end.',
  run: async (ctx) => (await runHostileCallbacks(ctx)).report,
};
