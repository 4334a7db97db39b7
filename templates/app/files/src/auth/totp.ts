import { generateSecret, generateURI, verify } from 'otplib';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(issuer: string, accountEmail: string, secret: string): string {
  return generateURI({ issuer, label: accountEmail, secret });
}

/**
 * One period either side absorbs clock drift. `afterTimeStep` (the last accepted step) makes a code
 * single-use. Returns the accepted time step, or undefined.
 */
export async function verifyTotp(secret: string, code: string, afterTimeStep?: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epochTolerance: 30, ...(afterTimeStep === undefined ? {} : { afterTimeStep }) }).catch(
    () => undefined,
  );
  return result?.valid && 'timeStep' in result ? result.timeStep : undefined;
}
