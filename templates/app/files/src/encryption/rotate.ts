/**
 * `npm run encryption:rotate` (`node dist/encryption/rotate.js` in a deployed environment, with the API's
 * configuration): re-encrypts every encrypted column under the current key-encryption key, and encrypts the
 * plain-text TOTP secrets written before envelope encryption existed.
 *
 * Rotating a local key: set the new key as ENCRYPTION_KEY and the old one in ENCRYPTION_PREVIOUS_KEYS, deploy,
 * run this, then drop the old key. Moving to another KMS key: point KMS_KEY_ID at it (the old key stays enabled
 * for Decrypt), deploy, run this, then disable the old key. KMS automatic rotation needs nothing: KMS keeps the old
 * key material and every wrapped data key names its version.
 */
import { fileURLToPath } from 'node:url';
import { and, asc, eq, gt, isNotNull, or } from 'drizzle-orm';
import { totpSecretContext } from '../auth/service.js';
import { users } from '../db/schema.js';
import { withSystem } from '../db/tenant.js';
import { reportStartupError } from '../startup.js';
import type { FieldEncryption } from './field-encryption.js';
import { DecryptionError } from './key-encryption-key.js';

const BATCH = 200;

export interface RotationResult {
  rewritten: number;
  /** Users whose secret none of the configured keys decrypts: left as they are, to investigate. */
  undecryptable: string[];
}

/** Safe to run again and concurrently with the API; one undecryptable row does not stop the others. */
export async function reencryptTotpSecrets(encryption: FieldEncryption): Promise<RotationResult> {
  let rewritten = 0;
  const undecryptable: string[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await withSystem((tx) =>
      tx
        .select({ id: users.id, encrypted: users.totpSecretEncrypted, legacy: users.totpSecret })
        .from(users)
        .where(and(gt(users.id, after), or(isNotNull(users.totpSecretEncrypted), isNotNull(users.totpSecret))))
        .orderBy(asc(users.id))
        .limit(BATCH),
    );
    for (const row of rows) {
      const current = row.encrypted ? encryption.keyIdOf(row.encrypted) === encryption.kek.keyId : false;
      if (current && row.legacy === null) continue;
      const context = totpSecretContext(row.id);
      let secret: string;
      try {
        secret = row.encrypted ? await encryption.decrypt(row.encrypted, context) : row.legacy!;
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        undecryptable.push(row.id);
        continue;
      }
      const encrypted = await encryption.encrypt(secret, context);
      // Only if nobody re-enrolled meanwhile: the condition compares with what was read.
      const updated = await withSystem((tx) =>
        tx
          .update(users)
          .set({ totpSecretEncrypted: encrypted, totpSecret: null })
          .where(and(eq(users.id, row.id), row.encrypted ? eq(users.totpSecretEncrypted, row.encrypted) : eq(users.totpSecret, row.legacy!)))
          .returning({ id: users.id }),
      );
      rewritten += updated.length;
    }
    if (rows.length < BATCH) return { rewritten, undecryptable };
    after = rows[rows.length - 1]!.id;
  }
}

async function main(): Promise<void> {
  const [{ loadConfig }, { openDatabase }, { createFieldEncryption }] = await Promise.all([
    import('../config.js'),
    import('../db/database.js'),
    import('./index.js'),
  ]);
  const config = loadConfig();
  const database = openDatabase(config, (error) => process.stderr.write(`idle database client failed: ${error.message}\n`));
  try {
    const { rewritten, undecryptable } = await reencryptTotpSecrets(createFieldEncryption(config));
    process.stdout.write(`Re-encrypted ${rewritten} TOTP secret(s) under the current key.\n`);
    if (undecryptable.length > 0) {
      // Keep the retired key configured until these are explained: removing it would lock these users out.
      process.stderr.write(`No configured key decrypts the TOTP secret of ${undecryptable.length} user(s): ${undecryptable.join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch(reportStartupError);
}
