import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (the package default) with the OWASP baseline: 19 MiB, 2 passes, 1 lane. The parameters are
 * stored in each hash, so raising them later only affects new hashes.
 */
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, options);
}

// Verified against when the e-mail is unknown, so a miss costs the same argon2 work as a wrong password.
const dummy = hash('not a real password: timing equaliser', options);

/** Always runs one argon2 verification, also when `stored` is missing. */
export async function verifyPassword(stored: string | null | undefined, plain: string): Promise<boolean> {
  if (!stored) {
    await verify(await dummy, plain).catch(() => false);
    return false;
  }
  return verify(stored, plain).catch(() => false);
}
