/** Masks a secret for display: a short prefix stays so a user can find it, the rest never leaves the process. */
export function maskSecret(secret: string): string {
  const visible = secret.length >= 16 ? 4 : secret.length >= 8 ? 2 : 0;
  return `${secret.slice(0, visible)}${'*'.repeat(8)}`;
}
