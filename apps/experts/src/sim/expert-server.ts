import { timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkInteger,
  checkKnownKeys,
  checkOptionalFunction,
  checkOptions,
  checkString,
  sleep as coreSleep,
  invalidMessage,
} from '@breakwater/core';
import { composeAnswer, type ReviewedAnswer } from './answer.js';
import {
  applyProfile,
  DEFAULT_PROFILE,
  type ExpertProfile,
  type ExpertProfileInput,
} from './profile.js';
import { logNormalDelay, seededRandom } from './random.js';

/** Largest request body accepted, in bytes (64 KiB); a larger one gets a 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Longest question accepted, in characters. */
export const MAX_QUESTION_CHARS = 4000;

/** Most earlier answers a request's `context` may carry. */
export const MAX_CONTEXT_ANSWERS = 64;
/** Longest answer accepted in a request's `context`, in characters. */
export const MAX_CONTEXT_ANSWER_CHARS = 16_000;

/** Options of {@link startExpertServer}. */
export interface ExpertServerOptions {
  /** Name of the expert, 1 to 64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
  name: string;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string | undefined;
  /** Port to listen on, 0 for a free one. @default 0 */
  port?: number | undefined;
  /** Initial profile; missing fields take their defaults. @default DEFAULT_PROFILE */
  profile?: ExpertProfileInput | undefined;
  /** When set, the admin endpoints require header `x-admin-key` equal to it. @default undefined */
  adminKey?: string | undefined;
  /**
   * Waits the drawn delay before an answer; tests pass one that records the delays and
   * resolves at once. @default core's `sleep`
   */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

/** Counters of one simulated expert. */
export interface ExpertStats {
  /** Requests to `/v1/answer`. */
  requests: number;
  /** Requests answered with 200. */
  answered: number;
  /** Requests refused as malformed (400, 413). */
  rejected: number;
  /** Simulated failures (500). */
  failed: number;
  /** Requests refused during an outage (503). */
  unavailable: number;
}

/** A running simulated expert. */
export interface ExpertServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The expert's name. */
  readonly name: string;
  /** Replaces fields of the profile (validated like the `profile` option). */
  setProfile(profile: ExpertProfileInput): void;
  /** The current profile. */
  profile(): Readonly<ExpertProfile>;
  /** A copy of the counters. */
  stats(): ExpertStats;
  /** Stops listening, drops open connections and aborts pending delays; idempotent. */
  close(): Promise<void>;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const OPTION_KEYS = ['name', 'host', 'port', 'profile', 'adminKey', 'sleep'] as const;

/** True for IPv4 and IPv6 loopback addresses (IPv4-mapped ones included). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compare equal-length buffers so the time does not depend on where they differ.
  const equal = timingSafeEqual(a.length === b.length ? a : b, b);
  return equal && a.length === b.length;
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

type Body = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string };

function readJson(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      resolve({ ok: false, status: 413, error: `Body over ${MAX_BODY_BYTES} bytes` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => resolve({ ok: false, status: 400, error: 'Body could not be read' }));
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        resolve({ ok: false, status: 413, error: `Body over ${MAX_BODY_BYTES} bytes` });
        return;
      }
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ ok: false, status: 400, error: 'Body is not valid JSON' });
      }
    });
  });
}

function readQuestion(value: unknown): string | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'Body must be a JSON object with a `question` field' };
  }
  const question = Object.hasOwn(value, 'question')
    ? (value as { question: unknown }).question
    : undefined;
  if (typeof question !== 'string' || question.length === 0) {
    return { error: invalidMessage('question', 'a non-empty string', question) };
  }
  if (question.length > MAX_QUESTION_CHARS) {
    return {
      error: `Expected \`question\` to be at most ${MAX_QUESTION_CHARS} characters, got ${question.length}`,
    };
  }
  return question;
}

/**
 * Reads the optional `context` of a request: the earlier answers the expert reviews, as
 * `[{ expert, answer }]`, at most {@link MAX_CONTEXT_ANSWERS} of them.
 */
function readContext(value: object): ReviewedAnswer[] | undefined | { error: string } {
  const context = Object.hasOwn(value, 'context')
    ? (value as { context: unknown }).context
    : undefined;
  if (context === undefined) return undefined;
  if (!Array.isArray(context) || context.length > MAX_CONTEXT_ANSWERS) {
    return {
      error: invalidMessage(
        'context',
        `an array of at most ${MAX_CONTEXT_ANSWERS} \`{ expert, answer }\` objects`,
        context,
      ),
    };
  }
  const answers: ReviewedAnswer[] = [];
  for (const [i, item] of context.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { error: invalidMessage(`context[${i}]`, 'an object `{ expert, answer }`', item) };
    }
    const expert = Object.hasOwn(item, 'expert') ? (item as { expert: unknown }).expert : undefined;
    const answer = Object.hasOwn(item, 'answer') ? (item as { answer: unknown }).answer : undefined;
    if (typeof expert !== 'string' || !NAME_PATTERN.test(expert)) {
      return { error: invalidMessage(`context[${i}].expert`, 'an expert name', expert) };
    }
    if (typeof answer !== 'string' || answer.length > MAX_CONTEXT_ANSWER_CHARS) {
      return {
        error: invalidMessage(
          `context[${i}].answer`,
          `a string of at most ${MAX_CONTEXT_ANSWER_CHARS} characters`,
          answer,
        ),
      };
    }
    answers.push({ expert, answer });
  }
  return answers;
}

/**
 * Starts a simulated expert: an HTTP server answering `POST /v1/answer` with a
 * deterministic answer, delayed, failed or refused as its profile says.
 * @throws TypeError or RangeError on invalid options.
 */
export async function startExpertServer(options: ExpertServerOptions): Promise<ExpertServer> {
  const raw = checkOptions('options', options);
  checkKnownKeys('options', raw, OPTION_KEYS);
  const name = checkString('name', raw.name);
  if (!NAME_PATTERN.test(name)) {
    throw new RangeError(
      invalidMessage('name', '1 to 64 of A-Z a-z 0-9 . _ - starting with a letter or digit', name),
    );
  }
  const host = checkString('host', raw.host, '127.0.0.1');
  const port = checkInteger('port', raw.port, { min: 0, max: 65535, default: 0 });
  const adminKey = raw.adminKey === undefined ? undefined : checkString('adminKey', raw.adminKey);
  const sleep =
    checkOptionalFunction<(ms: number, signal: AbortSignal) => Promise<void>>('sleep', raw.sleep) ??
    coreSleep;
  let current = applyProfile(DEFAULT_PROFILE, raw.profile);
  let random = seededRandom(current.seed);
  const counters: ExpertStats = {
    requests: 0,
    answered: 0,
    rejected: 0,
    failed: 0,
    unavailable: 0,
  };
  const closing = new AbortController();
  // Every delayed answer listens to it: as many listeners as requests in flight.
  setMaxListeners(0, closing.signal);

  const setProfile = (input: unknown): void => {
    const next = applyProfile(current, input);
    if (next.seed !== current.seed) random = seededRandom(next.seed);
    current = next;
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const body = await readJson(req);
    if (!body.ok) {
      counters.rejected++;
      send(res, body.status, { error: body.error }, body.status === 413);
      return;
    }
    const question = readQuestion(body.value);
    if (typeof question !== 'string') {
      counters.rejected++;
      send(res, 400, { error: question.error, field: 'question' });
      return;
    }
    const context = readContext(body.value as object);
    if (context !== undefined && !Array.isArray(context)) {
      counters.rejected++;
      send(res, 400, { error: context.error, field: 'context' });
      return;
    }
    const profile = current;
    if (profile.outage) {
      counters.unavailable++;
      send(res, 503, { error: `Expert ${name} is unavailable` });
      return;
    }
    const delay = Math.min(
      2_147_483_647,
      Math.round(
        logNormalDelay(profile.latencyMs.median, profile.latencyMs.p99, random) * profile.slowdown,
      ),
    );
    const fails = profile.errorRate > 0 && random() < profile.errorRate;
    if (delay > 0) await sleep(delay, closing.signal);
    if (fails) {
      counters.failed++;
      send(res, 500, { error: `Expert ${name} failed (simulated)` });
      return;
    }
    counters.answered++;
    send(res, 200, composeAnswer(name, profile.opinion, question, context));
  }

  async function admin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) {
      send(res, 403, { error: 'Admin endpoints answer loopback clients only' });
      return;
    }
    if (adminKey !== undefined) {
      const given = req.headers['x-admin-key'];
      if (typeof given !== 'string' || !sameKey(given, adminKey)) {
        send(res, 403, { error: 'Missing or wrong `x-admin-key`' });
        return;
      }
    }
    if (req.method === 'GET') {
      send(res, 200, current);
      return;
    }
    const body = await readJson(req);
    if (!body.ok) {
      send(res, body.status, { error: body.error }, body.status === 413);
      return;
    }
    try {
      setProfile(body.value);
    } catch (error) {
      send(res, 400, { error: (error as Error).message });
      return;
    }
    send(res, 200, current);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') {
      send(res, 200, { status: 'ok', expert: name });
    } else if (path === '/v1/answer') {
      if (req.method === 'POST') await answer(req, res);
      else send(res, 405, { error: 'Use POST' });
    } else if (path === '/admin/profile') {
      if (req.method === 'GET' || req.method === 'PUT') await admin(req, res);
      else send(res, 405, { error: 'Use GET or PUT' });
    } else {
      send(res, 404, { error: 'Not found' });
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      // Only an aborted delay (close()) or a dropped connection gets here.
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    name,
    setProfile: (profile) => setProfile(profile),
    profile: () => current,
    stats: () => ({ ...counters }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort(new Error(`Expert ${name} closed`));
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
