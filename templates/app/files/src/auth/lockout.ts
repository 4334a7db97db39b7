/** Failures allowed before the first lock. */
export const FREE_ATTEMPTS = 5;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;

/**
 * The lock after the `failures`-th consecutive failure: none for the first attempts, then 30 s doubling up
 * to 15 minutes. Exponential backoff slows guessing without letting anyone lock an account out for long.
 */
export function lockAfterFailure(failures: number, now: Date): Date | null {
  if (failures < FREE_ATTEMPTS) return null;
  const ms = Math.min(BASE_LOCK_MS * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCK_MS);
  return new Date(now.getTime() + ms);
}

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil.getTime() > now.getTime();
}
