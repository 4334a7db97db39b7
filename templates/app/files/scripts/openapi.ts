/**
 * `npm run openapi:generate` writes `openapi.json` from the route schemas; `npm run openapi:check` (CI, and
 * `test/openapi.test.ts`) exits 1 when the committed file differs from what the code produces (API-2).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { OPENAPI_FILE, operationDiff, renderOpenApi } from '../src/docs/openapi.js';

async function main(): Promise<void> {
  const current = await renderOpenApi();
  if (!process.argv.includes('--check')) {
    await writeFile(OPENAPI_FILE, current);
    process.stdout.write(`Wrote ${OPENAPI_FILE}.\n`);
    return;
  }
  const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => undefined);
  if (committed === current) {
    process.stdout.write(`${OPENAPI_FILE} is up to date.\n`);
    return;
  }
  const lines = [committed === undefined ? `${OPENAPI_FILE} is missing.` : `${OPENAPI_FILE} does not match the routes.`];
  if (committed !== undefined) {
    const { added, removed } = operationDiff(committed, current);
    for (const op of added) lines.push(`  + ${op} (in the code, not in the file)`);
    for (const op of removed) lines.push(`  - ${op} (in the file, not in the code)`);
    if (added.length === 0 && removed.length === 0) lines.push('  (schemas, summaries or parameters changed)');
  }
  lines.push('Run `npm run openapi:generate` and commit the result.');
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
