import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh and invitation tokens are opaque: 32 random bytes, base64url. Only their sha256 digest is stored;
 * the token has 256 bits of entropy, so a slow hash would add nothing.
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function digestToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
