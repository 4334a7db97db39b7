import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '../errors.js';
import type { RateLimitStore } from './store.js';

export interface RateLimitRule {
  /** Prefix of the counter key, e.g. `ip` or `tenant`. */
  name: string;
  limit: number;
  windowMs: number;
  /** The subject of the limit; undefined skips the request (e.g. no tenant yet). */
  key: (request: FastifyRequest) => string | undefined;
}

export type RateLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** A hook that answers 429 (problem+json, `Retry-After`) once the subject exceeds its limit in the window. */
export function rateLimitHook(store: RateLimitStore, rule: RateLimitRule): RateLimitHook {
  return async (request, reply) => {
    const subject = rule.key(request);
    if (subject === undefined) return;
    let hit;
    try {
      hit = await store.hit(`${rule.name}:${subject}`, rule.windowMs);
    } catch (error) {
      // Fail open: an unavailable counter store must not take the whole API down with it.
      request.log.warn({ err: error, rule: rule.name }, 'rate limit store unavailable');
      return;
    }
    const resetSeconds = Math.max(1, Math.ceil((hit.resetAt.getTime() - Date.now()) / 1000));
    reply.header('RateLimit-Limit', rule.limit);
    reply.header('RateLimit-Remaining', Math.max(0, rule.limit - hit.count));
    reply.header('RateLimit-Reset', resetSeconds);
    if (hit.count > rule.limit) {
      throw new HttpProblem(429, `Rate limit of ${rule.limit} requests per ${rule.windowMs / 1000} s exceeded (${rule.name}).`, {
        headers: { 'retry-after': String(resetSeconds) },
      });
    }
  };
}
