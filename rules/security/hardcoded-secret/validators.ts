import type { Confidence } from '../../../src/core/types.js';

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = crcTable[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function toBase62(n: number, width: number): string {
  let out = '';
  let rest = n;
  while (rest > 0) {
    out = base62[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, '0');
}

/**
 * GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens end in six base62 characters that encode the
 * CRC32 of the thirty random characters before them. A matching checksum proves the token was minted by the provider's
 * format, not typed: high confidence. A mismatch means a made-up or truncated value: low confidence.
 */
export function base62Checksum(token: string): Confidence {
  const body = token.slice(token.indexOf('_') + 1);
  if (body.length !== 36) return 'medium';
  return toBase62(crc32(body.slice(0, 30)), 6) === body.slice(30) ? 'high' : 'low';
}

/** Decodes base64 or base64url text; undefined when it is not valid UTF-8 JSON-ish text. */
export function decodeBase64(text: string): string | undefined {
  try {
    const normalized = text.replace(/-/g, '+').replace(/_/g, '/');
    return Buffer.from(normalized, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  const text = decodeBase64(part);
  if (!text || !text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface JwtVerdict {
  /** undefined: not a credential (unsigned, short-lived, public by design, a documentation example). */
  confidence?: Confidence;
  severity?: 'critical' | 'high' | 'medium';
  /** Words for the message, e.g. "a Supabase service_role key". */
  kind: string;
}

/** Lifetimes up to this are session tokens: leaking one expires on its own. */
const shortLived = 7 * 24 * 3600;
/** Roles and audiences of tokens that are public by design (shipped to browsers). */
const publicRoles = new Set(['anon', 'anonymous', 'public', 'guest', 'authenticated']);

/**
 * A JWT is a secret only when it works as a long-lived credential: signed, no expiry or a lifetime beyond a week,
 * and not a key meant for browsers (Supabase `anon`) or a documentation example (jwt.io's John Doe).
 */
export function judgeJwt(token: string): JwtVerdict {
  const [h, p, s] = token.split('.');
  const header = h ? decodeJson(h) : undefined;
  const payload = p ? decodeJson(p) : undefined;
  if (!header || !payload || typeof header.alg !== 'string') return { kind: 'not a JWT' };
  if (header.alg.toLowerCase() === 'none' || !s || s.length < 16) return { kind: 'an unsigned JWT' };
  // Supabase's local development keys (`iss: supabase-demo`) are the same for every installation.
  if (payload.iss === 'supabase-demo') return { kind: 'a public demo key' };
  if (payload.name === 'John Doe' || payload.sub === '1234567890' || JSON.stringify(payload).toLowerCase().includes('example')) return { kind: 'an example JWT' };
  // A credential names who or what it stands for; a payload of arbitrary data (`{"confidence":0.8}`) is not one.
  const claims = ['iss', 'sub', 'aud', 'role', 'scope', 'scp', 'client_id', 'azp', 'jti', 'iat', 'uid', 'user_id', 'userId', 'email', 'permissions', 'org', 'tenant', 'tid', 'app', 'ref', 'kid'];
  if (!claims.some((c) => c in payload)) return { kind: 'a JWT-shaped value without identity claims' };
  const role = typeof payload.role === 'string' ? payload.role : undefined;
  if (role && publicRoles.has(role.toLowerCase())) return { kind: 'a public (anon) key' };
  const exp = typeof payload.exp === 'number' ? payload.exp : undefined;
  const iat = typeof payload.iat === 'number' ? payload.iat : typeof payload.nbf === 'number' ? payload.nbf : undefined;
  if (exp !== undefined) {
    // Without an issue time the lifetime is unknown; a far-future expiry is the "never expires" idiom.
    const lifetime = iat !== undefined ? exp - iat : exp > 4102444800 ? Infinity : 0;
    if (lifetime <= shortLived) return { kind: 'a short-lived JWT' };
  }
  if (role === 'service_role' || role === 'supabase_admin') return { confidence: 'high', severity: 'critical', kind: `a Supabase ${role} key (bypasses row-level security)` };
  return { confidence: 'medium', severity: 'high', kind: exp === undefined ? 'a signed JWT without expiry' : 'a long-lived signed JWT' };
}
