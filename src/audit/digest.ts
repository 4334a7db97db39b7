import { createHash } from 'node:crypto';

/**
 * A short digest of parts, each ended by a NUL so that no two lists of parts share one: fingerprints, cache keys and
 * tree digests. Streams the parts, so a large tree's thousands of them are never spread into one call's arguments.
 */
export function digest(parts: Iterable<string>): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\0');
  return h.digest('hex').slice(0, 32);
}
