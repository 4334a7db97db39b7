import jwt from 'jsonwebtoken';

const secret = process.env.JWT_SECRET ?? 'dev';

export function issueToken(userId: string, tenantId: string): string {
  return jwt.sign({ sub: userId, tenantId }, secret);
}

export function newSessionId(): string {
  return Math.random().toString(36).slice(2);
}

export function readToken(header: string | undefined): { sub: string; tenantId: string } | null {
  if (!header) return null;
  try {
    return jwt.decode(header.replace('Bearer ', '')) as { sub: string; tenantId: string };
  } catch {
    return null;
  }
}
