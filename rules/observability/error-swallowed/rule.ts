import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { isServerFile, serverCandidate, type OwningPackage } from '../../_server/server-code.js';

/** Names of do-nothing functions passed as a rejection handler. */
const noopName = /^(?:noop|_?\.noop|lodash\.noop|ignore|ignoreErrors?|swallow|nothing|doNothing|emptyFn|emptyFunction)$/i;

interface FileSignal {
  /** [start, end, kind] of each swallowing site. */
  sites: Array<[number, number, 'block' | 'handler']>;
  server: boolean;
}

/** A block with no statements and no comment explaining why (a comment marks the silence as deliberate, as in ESLint's no-empty). */
function silentBlock(block: ts.Block, source: ts.SourceFile): boolean {
  if (block.statements.length > 0) return false;
  const inner = source.text.slice(block.getStart(source) + 1, block.getEnd() - 1);
  return inner.trim() === '';
}

/** `() => {}`, `function () {}`, `() => undefined`, `() => null`, `noop`, `_.noop`. */
function swallowingHandler(arg: ts.Expression | undefined, source: ts.SourceFile): boolean {
  if (!arg) return false;
  if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) {
    if (ts.isBlock(arg.body)) return silentBlock(arg.body, source);
    const body = arg.body;
    return body.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(body) && body.text === 'undefined') || ts.isVoidExpression(body);
  }
  return (ts.isIdentifier(arg) || ts.isPropertyAccessExpression(arg)) && noopName.test(arg.getText(source));
}

/** Zod schema builders: `z.string().optional().catch(() => undefined)` sets a parse fallback, it handles no promise. */
const schemaBuilders = new Set(['optional', 'nullable', 'nullish', 'default', 'coerce', 'transform', 'pipe', 'refine', 'superRefine', 'preprocess', 'brand', 'describe']);

function schemaChain(receiver: ts.Expression): boolean {
  let e: ts.Expression = receiver;
  while (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) {
    if (ts.isPropertyAccessExpression(e) && schemaBuilders.has(e.name.text)) return true;
    e = e.expression;
  }
  return ts.isIdentifier(e) && (e.text === 'z' || e.text === 'zod');
}

/**
 * `const team = await getTeam(id).catch(() => null)`: the rejection becomes a value the code goes on to check (`if (!team)
 * return 404`), a deliberate fallback rather than a silently dropped failure. Unbound calls (fire and forget) still count.
 */
function boundFallback(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || (ts.isConditionalExpression(n.parent) && n.parent.condition !== n))) n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (ts.isVariableDeclaration(p) && p.initializer === n) return true;
  if (ts.isBinaryExpression(p) && p.right === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return true;
  // const [a, b] = await Promise.all([x().catch(() => null), y()])
  if (ts.isArrayLiteralExpression(p) && p.parent && ts.isCallExpression(p.parent) && /^Promise\.(?:all|allSettled)$/.test(p.parent.expression.getText())) return boundFallback(p.parent);
  return false;
}

export default defineRule({
  meta: {
    id: 'error-swallowed',
    category: 'observability',
    checklist: 'OBS-6',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      block:
        'This `catch` block in server code is empty, so the error disappears: no log line, no metric, no failed request, and the bug surfaces later as corrupt state that nobody can trace. Log the error with context, rethrow it, or write a comment saying why ignoring it is safe.',
      handler:
        'This rejection handler does nothing, so a failed promise in server code is silently discarded and the failure never reaches the logs or the error tracker. Log the error (or report it to Sentry), let it propagate, or write a comment in the handler saying why ignoring it is safe.',
    },
    docs: {
      summary: 'Empty `catch {}` blocks and do-nothing rejection handlers (`.catch(() => {})`, `.catch(noop)`) in backend code.',
      why: 'A swallowed error leaves no trace: the request may even succeed while a write, an email or a payment silently failed. On-call engineers then debug symptoms (missing data, stuck jobs) without a single log line pointing at the cause.',
      howToFix:
        'Handle the error: log it with a structured logger and the request context, report it to the error tracker, rethrow it or turn it into an error response. When ignoring it really is right (best-effort cleanup), say so in a comment inside the block, e.g. `// ignore: the temp file may already be gone`.',
      examples: {
        invalid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\n\nexport const orders = Router();\n\norders.post('/orders', async (req, res) => {\n  try {\n    await db.orders.insert(req.body);\n  } catch {}\n  res.status(201).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
          {
            file: 'src/jobs.ts',
            code: "import { queue } from './queue.js';\n\nexport function enqueueWelcome(userId: string): void {\n  queue.add('welcome-email', { userId }).catch(() => {});\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "fastify": "^4.28.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\nimport { logger } from '../logger.js';\n\nexport const orders = Router();\n\norders.post('/orders', async (req, res) => {\n  try {\n    await db.orders.insert(req.body);\n  } catch (error) {\n    logger.error({ err: error }, 'order insert failed');\n    return res.status(500).end();\n  }\n  res.status(201).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
          {
            file: 'src/cleanup.ts',
            code: "import { unlink } from 'node:fs/promises';\n\nexport async function removeTemp(path: string): Promise<void> {\n  try {\n    await unlink(path);\n  } catch {\n    // ignore: the temp file may already be gone\n  }\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
            note: 'A comment inside the block documents a deliberate decision and silences the rule.',
          },
        ],
      },
      peers: [
        'ESLint core no-empty (empty blocks everywhere, comments allowed) and @typescript-eslint/no-empty-function',
        'eslint-plugin-promise catch-or-return and @typescript-eslint/no-floating-promises (type-aware, for unhandled promises)',
        'Semgrep community rules (e.g. javascript empty-catch patterns); SonarJS S2486 / S108 (ignored exceptions, empty blocks)',
      ],
      limitations: [
        'Only server code is checked, recognised as in console-in-server-code (backend package, server imports, Next.js server entry points); tests, scripts, CLIs and front-end code are skipped.',
        'A comment anywhere inside the block counts as a deliberate, documented decision. Parse-or-default idioms (`try { x = JSON.parse(env) } catch {}`) are reported too: a one-line comment documents them and keeps a misconfiguration from going unnoticed silently.',
        'Catch blocks that do something unrelated to the error (e.g. only `return null`) are not reported: the fallback may be intended. Likewise a rejection handler whose fallback value is kept in a variable (`const team = await getTeam(id).catch(() => null)`), and Zod\'s parse fallback `schema.catch(...)`.',
        'Floating promises (a promise neither awaited nor handled) need type information and are left to @typescript-eslint/no-floating-promises.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['catch', 'noop'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence } = candidate;
    // Components render in the browser; a `.tsx` file counts only when it shows server evidence itself.
    if (/\.[jt]sx$/.test(path) && !evidence) return;
    const signal: FileSignal = { sites: [], server: evidence };
    return {
      CatchClause: (node) => {
        const clause = node as ts.CatchClause;
        if (silentBlock(clause.block, source)) signal.sites.push([clause.getStart(source), clause.getEnd(), 'block']);
      },
      CallExpression: (node) => {
        const call = node as ts.CallExpression;
        if (!ts.isPropertyAccessExpression(call.expression)) return;
        const method = call.expression.name.text;
        const handler = method === 'catch' ? call.arguments[0] : method === 'then' ? call.arguments[1] : undefined;
        if (!swallowingHandler(handler, source)) return;
        if (method === 'catch' && schemaChain(call.expression.expression)) return;
        if (boundFallback(call)) return;
        signal.sites.push([call.expression.name.getStart(source), call.getEnd(), 'handler']);
      },
      EndOfFileToken: () => {
        if (signal.sites.length > 0) ctx.emit(signal);
      },
    };
  },
  summarize(ctx, signals) {
    const cache = new Map<string, OwningPackage>();
    for (const { path, value } of signals) {
      const signal = value as FileSignal;
      if (!isServerFile(ctx.model, path, signal.server, cache)) continue;
      for (const [start, end, kind] of signal.sites) ctx.report({ messageId: kind === 'block' ? 'block' : 'handler', path, range: { start, end } });
    }
  },
});
