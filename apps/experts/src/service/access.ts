import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '@breakwater/core';
import { RateLimiter, rateLimitHeaders } from '@breakwater/limiter';
import { RedisRateLimiter } from '@breakwater/limiter/redis';
import type { Counter, Registry } from '@breakwater/metrics';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../sim/expert-server.js';
import type { AnswerCache } from './answer-cache.js';
import { hashKey, type ServiceConfig } from './config.js';
import type { RedisLink, RedisLinkLogger } from './redis-link.js';
import type { SharedMode } from './shared-state.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HASHED_KEY = /^sha256:[0-9a-f]{64}$/;
const BEARER = /^Bearer +(\S+) *$/i;

/** Options of {@link AccessControl}. */
export interface AccessControlOptions {
  /** Clock of the client quotas, in milliseconds (tests inject a manual one). @default performance.now */
  clock?: Clock | undefined;
  /**
   * Shares the quotas of every instance through Redis (the clock is then Redis's own);
   * while Redis cannot answer, each instance decides alone with the same limits.
   * @default none: quotas in this process
   */
  redis?: RedisLink | undefined;
  /** Where the switches to local quotas and back are logged. @default none */
  log?: RedisLinkLogger | undefined;
}

/** Keys of the shared client quotas, after `REDIS_PREFIX`. */
export const QUOTA_KEY_PREFIX = 'quota:';

/** The 32 bytes of a `sha256:<hex>` digest. */
function digestBytes(hash: string): Buffer {
  return Buffer.from(hash.slice('sha256:'.length), 'hex');
}

/** The key a request presents: `x-api-key`, else `Authorization: Bearer <key>`. */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  return BEARER.exec(authorization)?.[1];
}

/**
 * The quota key of an address: IPv4-mapped IPv6 addresses as IPv4, other IPv6 addresses by
 * their /64 network (a host usually holds a whole /64, so its addresses share one quota).
 */
export function clientAddress(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
          ...right,
        ];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}

/**
 * Who may consult: an API key first (when `API_KEYS` is configured), then per-client quotas
 * per minute and per day (the key's hash is the client, else its address).
 *
 * With a Redis link the quotas are the fleet's, shared by every instance; while Redis cannot
 * answer each instance applies the same limits alone (see {@link AccessControl.sharedMode}).
 *
 * In naive mode the quotas are off; the keys are still required when configured.
 */
export class AccessControl {
  /** Hashes of the keys still accepted, with their digest bytes. */
  readonly #keys = new Map<string, Buffer>();
  readonly #keysRequired: boolean;
  readonly #adminKey: Buffer | undefined;
  readonly #limiter: RateLimiter | RedisRateLimiter | undefined;
  #stopWatching: (() => void) | undefined;
  readonly #link: RedisLink | undefined;
  readonly #policy: string;
  readonly #decisions: Counter<'decision'>;

  constructor(config: ServiceConfig, registry: Registry, options: AccessControlOptions = {}) {
    for (const hash of config.apiKeyHashes) this.#keys.set(hash, digestBytes(hash));
    this.#keysRequired = config.apiKeyHashes.length > 0;
    this.#link = options.redis;
    this.#adminKey =
      config.adminKeyHash === undefined ? undefined : digestBytes(config.adminKeyHash);
    this.#policy = `${config.clientLimitPerMinute};w=60, ${config.clientLimitPerDay};w=86400`;
    if (config.mode !== 'naive') {
      const limits = [
        { limit: config.clientLimitPerMinute, windowMs: MINUTE_MS },
        { limit: config.clientLimitPerDay, windowMs: DAY_MS },
      ];
      if (options.redis === undefined) {
        this.#limiter = new RateLimiter({
          algorithm: 'sliding-window',
          limits,
          ...(options.clock === undefined ? {} : { clock: options.clock }),
        });
      } else {
        const limiter = new RedisRateLimiter({
          redis: options.redis.client,
          algorithm: 'sliding-window',
          limits,
          prefix: `${config.redisPrefix}${QUOTA_KEY_PREFIX}`,
          // Redis unreachable: each instance keeps the same limits alone (see the README).
          outage: 'local',
        });
        const log = options.log;
        this.#stopWatching = limiter.onOutage(({ mode, reason }) => {
          if (mode === 'outage') {
            log?.warn({ primitive: 'quota', reason }, 'client quotas decided locally');
          } else {
            log?.info({ primitive: 'quota', reason }, 'client quotas shared through Redis again');
          }
        });
        this.#limiter = limiter;
      }
    }
    this.#decisions = registry.counter({
      name: 'experts_client_decisions_total',
      help: 'Client quota decisions on admitted keys: allowed or limited (429).',
      labelNames: ['decision'],
      maxLabelValues: { decision: 2 },
    });
    this.#decisions.inc({ decision: 'allowed' }, 0);
    this.#decisions.inc({ decision: 'limited' }, 0);
  }

  /**
   * Checks the request; when it is refused, sends the refusal (401 or 429) and returns
   * `false`. A request without a valid key is refused before any quota is consulted.
   * Admitted answers carry the `RateLimit-*` headers of the client's quota.
   */
  async admit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    let client: string;
    if (this.#keysRequired) {
      const key = presentedKey(request.headers);
      const hash = key === undefined ? undefined : this.#accepted(key);
      if (hash === undefined) {
        const missing = key === undefined;
        request.log.debug({ reason: missing ? 'missing' : 'invalid' }, 'API key refused');
        reply
          .status(401)
          .header(
            'www-authenticate',
            missing ? 'Bearer realm="experts"' : 'Bearer realm="experts", error="invalid_token"',
          )
          .send({
            error: missing
              ? 'Expected an API key in `x-api-key` or `Authorization: Bearer <key>`'
              : 'Invalid API key',
          });
        return false;
      }
      client = hash;
    } else {
      client = clientAddress(request.ip);
    }
    if (this.#limiter === undefined) return true;
    const result = await this.#limiter.consume(client);
    reply.headers({ ...rateLimitHeaders(result), 'RateLimit-Policy': this.#policy });
    if (result.allowed) {
      this.#decisions.inc({ decision: 'allowed' });
      return true;
    }
    this.#decisions.inc({ decision: 'limited' });
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    request.log.debug({ retryAfterS: seconds, limit: result.limit }, 'client quota exceeded');
    reply.status(429).send({
      error: `Quota of ${result.limit} requests exceeded; retry after ${seconds} s`,
    });
    return false;
  }

  /**
   * Stops accepting the key whose hash is `hash` (`sha256:<64 hex>`, or the 64 hex digits).
   * Keys stay required even when none is left. Returns whether the key was accepted until now.
   * @throws RangeError when `hash` is not a SHA-256 digest.
   */
  revoke(hash: string): boolean {
    const normalised = (hash.startsWith('sha256:') ? hash : `sha256:${hash}`).toLowerCase();
    if (!HASHED_KEY.test(normalised)) {
      throw new RangeError('Expected a key hash as `sha256:<64 hex digits>`');
    }
    return this.#keys.delete(normalised);
  }

  /**
   * Whether the request may use the admin routes: from a loopback address, or with the
   * admin key (`ADMIN_KEY`) in `x-admin-key`.
   */
  isAdmin(request: FastifyRequest): boolean {
    if (isLoopback(request.ip)) return true;
    const given = request.headers['x-admin-key'];
    if (this.#adminKey === undefined || typeof given !== 'string') return false;
    return timingSafeEqual(digestBytes(hashKey(given)), this.#adminKey);
  }

  /** The hash of `key` when it is accepted; compares with every accepted hash in constant time. */
  #accepted(key: string): string | undefined {
    const hash = hashKey(key);
    const given = digestBytes(hash);
    let found = false;
    for (const digest of this.#keys.values()) {
      // No early exit: the time does not tell which key, if any, matched.
      found = timingSafeEqual(given, digest) || found;
    }
    return found ? hash : undefined;
  }

  /**
   * Where the client quotas are decided: `redis` (shared by every instance), `local` (Redis
   * cannot answer: this instance alone), `undefined` when they are not shared.
   */
  sharedMode(): SharedMode | undefined {
    if (!(this.#limiter instanceof RedisRateLimiter)) return undefined;
    // Calls are not even sent while the link is down: the next decision is local.
    return this.#link?.ready === true && this.#limiter.mode === 'redis' ? 'redis' : 'local';
  }

  /** Releases the quotas (the Redis connection is the link's). */
  async close(): Promise<void> {
    this.#stopWatching?.();
    await this.#limiter?.close();
  }
}

/**
 * Registers the admin routes, answered only to {@link AccessControl.isAdmin} requests (403
 * otherwise): `DELETE /admin/keys/:hash` revokes an API key by its hash, and
 * `POST /admin/cache/flush` drops every cached answer.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  access: AccessControl,
  answers: AnswerCache,
): void {
  const onlyAdmins = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    if (access.isAdmin(request)) return undefined;
    request.log.debug('admin route refused');
    return reply
      .status(403)
      .send({ error: 'Admin routes answer loopback clients or a valid `x-admin-key` only' });
  };

  app.delete<{ Params: { hash: string } }>(
    '/admin/keys/:hash',
    { onRequest: onlyAdmins },
    async (request, reply) => {
      let revoked: boolean;
      try {
        revoked = access.revoke(request.params.hash);
      } catch (error) {
        return reply.status(400).send({ error: (error as Error).message });
      }
      if (!revoked) return reply.status(404).send({ error: 'No such key' });
      return { revoked: true };
    },
  );

  app.post('/admin/cache/flush', { onRequest: onlyAdmins }, async () => ({
    flushed: await answers.clear(),
  }));
}
