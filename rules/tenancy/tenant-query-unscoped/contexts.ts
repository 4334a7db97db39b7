/**
 * Code that runs without a signed-in tenant: background tasks (Trigger.dev) and public tRPC procedures. Their queries
 * are not judged like those of an authenticated handler.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import { unwrap } from './scope.js';

const triggerImport = /from\s+['"]@trigger\.dev\/sdk(?:\/[\w-]+)?['"]/;
/** `task(...)`, `schemaTask(...)`, `schedules.task(...)`: Trigger.dev task definitions. */
const taskCall = /^(?:task|schemaTask|schedules\.task)$/;

/** Whether the file imports Trigger.dev's SDK: only then can its code run as a task (see `backgroundTask`). */
export const importsTaskSdk = (fileText: string): boolean => triggerImport.test(fileText);

/**
 * Whether `node` runs inside the `run` of a Trigger.dev task (`task({ id, run: async (payload) => ... })`): the payload
 * comes from the application that enqueued the task, after its own checks, not from a caller. Asked only of a file
 * that `importsTaskSdk`.
 */
export function backgroundTask(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!(ts.isPropertyAssignment(n) || ts.isMethodDeclaration(n)) || n.name.getText() !== 'run') continue;
    const options = n.parent;
    const call = options.parent;
    if (ts.isObjectLiteralExpression(options) && call && ts.isCallExpression(call) && taskCall.test(call.expression.getText())) return true;
  }
  return false;
}

/**
 * Whether `node` runs in a tRPC procedure built on `publicProcedure` (`publicProcedure.input(...).query(async (opts) =>
 * ...)`): it serves callers who are not signed in, so there is no tenant of theirs to scope by.
 */
export function publicProcedure(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || !/^(?:query|mutation|subscription)$/.test(n.expression.name.text)) continue;
    let root: ts.Expression = unwrap(n.expression.expression);
    while (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root)) root = unwrap(ts.isCallExpression(root) ? root.expression : root.expression);
    if (ts.isIdentifier(root) && root.text === 'publicProcedure') return true;
  }
  return false;
}

/**
 * `if (token !== process.env.INTERNAL_API_KEY) return 401`, `if (c.req.header('authorization') !== env().CRON_SECRET)`:
 * a request is turned away unless it carries a secret of the deployment (not a user's credential).
 */
const sharedSecretGuard =
  /[\w)\]]\s*!==?\s*(?:process\.)?env(?:\(\))?\.[A-Z0-9_]*(?:SECRET|TOKEN|KEY)\b|(?:process\.)?env(?:\(\))?\.[A-Z0-9_]*(?:SECRET|TOKEN|KEY)\s*!==?\s*(?!undefined\b|null\b)[A-Za-z_]/;

const secretWords = ['SECRET', 'TOKEN', 'KEY'];

/**
 * A file whose handlers only answer the deployment's own services (a scheduler, a queue, a revalidation hook): they
 * compare what the request carries with a secret from the environment. Like `cron/` and `jobs/` code, they act across
 * tenants on behalf of the application, and the ids they receive were chosen by it.
 */
export function sharedSecretEndpoint(fileText: string): boolean {
  // Every match names one of these words; looking for them first spares most files the pattern's attempt at each word.
  return secretWords.some((w) => fileText.includes(w)) && sharedSecretGuard.test(fileText);
}
