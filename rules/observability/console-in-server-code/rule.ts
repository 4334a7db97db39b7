import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { isServerFile, owningPackage, serverCandidate, runtimeDependencies, type OwningPackage } from '../../_server/server-code.js';

const methods = new Set(['log', 'info', 'warn', 'error', 'debug', 'trace']);

/** Structured loggers: when the package already has one, the finding names it. */
const loggers = [
  ['pino', 'pino'], ['nestjs-pino', 'nestjs-pino'], ['winston', 'winston'], ['bunyan', 'bunyan'], ['log4js', 'log4js'], ['tslog', 'tslog'],
  ['roarr', 'roarr'], ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/logger'], ['consola', 'consola'], ['@nestjs/common', "Nest's Logger"],
  ['fastify', "Fastify's built-in logger (request.log)"],
] as const;

/** Above this many calls in one file, the file gets one finding instead of one per call. */
const perCallLimit = 3;
/** How many call lines the per-file finding names. */
const shownLines = 5;

interface FileSignal {
  /** [start, end, method, 1-based line] of each console call. */
  calls: Array<[number, number, string, number]>;
  /** The file imports a server framework or node:http, or is a server action / Next.js server entry point. */
  server: boolean;
}

/** `console.log(JSON.stringify({...}))` already writes one JSON object per line: it is structured output. */
function writesJson(call: ts.CallExpression): boolean {
  const first = call.arguments[0];
  return (
    call.arguments.length === 1 &&
    first !== undefined &&
    ts.isCallExpression(first) &&
    ts.isPropertyAccessExpression(first.expression) &&
    first.expression.getText() === 'JSON.stringify'
  );
}

export default defineRule({
  meta: {
    id: 'console-in-server-code',
    category: 'observability',
    checklist: 'OBS-1',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      console:
        '`console.{{method}}` in server code writes unstructured text without level, timestamp or request context, so production logs cannot be filtered, correlated or alerted on. Log through a structured logger such as pino instead.',
      consoleWithLogger:
        '`console.{{method}}` in server code bypasses the structured logger this package already uses ({{logger}}), so this line lands in production logs without level, request ID or JSON shape. Log through {{logger}} instead.',
      consoleInFile:
        'This server file calls `console` {{count}} times (lines {{lines}}): unstructured text without level, timestamp or request context, so production logs cannot be filtered, correlated or alerted on. Log through a structured logger such as pino instead.',
      consoleInFileWithLogger:
        'This server file calls `console` {{count}} times (lines {{lines}}), bypassing the structured logger this package already uses ({{logger}}): those lines land in production logs without level, request ID or JSON shape. Log through {{logger}} instead.',
    },
    docs: {
      summary: '`console.log`/`info`/`warn`/`error`/`debug`/`trace` calls in backend code.',
      why: 'Console output is plain text: it has no level a log pipeline can filter on, no timestamp or request ID to correlate a failing request, and often ends up unparsed in the log platform. Structured JSON logs (pino, winston, Nest Logger) make production issues searchable and alertable.',
      howToFix:
        'Create one structured logger (e.g. `pino()`), attach request context to it (`req.log` with pino-http or a child logger) and replace `console.*` with `logger.info/warn/error`. Keep console output for CLIs, scripts and tests.',
      examples: {
        invalid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\n\nexport const orders = Router();\n\norders.post('/orders', async (req, res) => {\n  console.log('creating order', req.body.id);\n  res.status(201).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { logger } from '../logger.js';\n\nexport const orders = Router();\n\norders.post('/orders', async (req, res) => {\n  logger.info({ orderId: req.body.id }, 'creating order');\n  res.status(201).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "pino": "^9.0.0" } }\n' },
          },
          {
            file: 'scripts/seed.ts',
            code: "console.log('seeding the database');\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
            note: 'Scripts, CLIs, tests, seeds and migrations print to the console by design.',
          },
        ],
      },
      peers: [
        'ESLint core no-console (everywhere, without a notion of server code)',
        'Semgrep community rules have no equivalent; eslint-plugin-security and @microsoft/eslint-plugin-sdl have none',
      ],
      limitations: [
        'Server code is recognised by the nearest package.json depending on a server framework or job queue (express, fastify, koa, hono, NestJS, hapi, GraphQL servers, BullMQ...), or by a file that itself imports one or calls `http.createServer`, or by a serverless function folder (Vercel `api/` beside vercel.json, `netlify/functions/`). In Next.js and other full-stack packages only API routes, route handlers, middleware, `server/` folders, `*.server.ts` files and `\'use server\'` modules count.',
        'Tests, scripts, CLIs (`bin/`, `cli/`, shebang files, packages with a `bin`), tool configuration, seeds, migrations, examples, front-end and shared code (JSX files, `\'use client\'`, `*.client.ts`, `components/`, `public/`, `universal/`...) and the logger implementation itself are skipped.',
        '`console.log(JSON.stringify(...))` is treated as structured output.',
        `A file with more than ${perCallLimit} console calls gets one finding for the whole file, naming the count and the first lines, so its fingerprint does not change when lines move or calls are added; with ${perCallLimit} or fewer, each call is reported.`,
        'A package whose only server dependency is a devDependency, or a serverless handler without a recognised framework, is not seen as server code.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['console.'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence } = candidate;
    // `const console = ...`, `import { console } ...`: the name does not refer to the global console.
    if (/\b(?:const|let|var|function|class)\s+console\b|\bimport\s*\{[^}]*\bconsole\b[^}]*\}/.test(text)) return;
    const jsx = /\.[jt]sx$/i.test(path);
    const signal: FileSignal = { calls: [], server: evidence };
    let hasJsx = false;
    const onCall = (node: ts.Node): void => {
      const call = node as ts.CallExpression;
      const callee = call.expression;
      if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'console' &&
        methods.has(callee.name.text) &&
        !writesJson(call)
      ) {
        const start = call.getStart(source);
        signal.calls.push([start, call.getEnd(), callee.name.text, source.getLineAndCharacterOfPosition(start).line + 1]);
      }
    };
    const onJsx = (): void => {
      hasJsx = true;
    };
    return {
      CallExpression: onCall,
      ...(jsx ? { JsxElement: onJsx, JsxSelfClosingElement: onJsx, JsxFragment: onJsx } : {}),
      EndOfFileToken: () => {
        // React components render in the browser (or render HTML); their console output is not a server log.
        if (signal.calls.length > 0 && !hasJsx) ctx.emit(signal);
      },
    };
  },
  summarize(ctx, signals) {
    const cache = new Map<string, OwningPackage>();
    for (const { path, value } of signals) {
      const signal = value as FileSignal;
      if (!isServerFile(ctx.model, path, signal.server, cache)) continue;
      const deps = runtimeDependencies(owningPackage(ctx.model, path, cache).manifest);
      const logger = loggers.find(([dep]) => deps.has(dep))?.[1];
      if (signal.calls.length > perCallLimit) {
        const lines = signal.calls.slice(0, shownLines).map((c) => c[3]).join(', ') + (signal.calls.length > shownLines ? ', ...' : '');
        const data = { count: signal.calls.length, lines };
        // A whole-file finding: its fingerprint depends on no line, so edits elsewhere in the file keep it.
        ctx.report(logger ? { messageId: 'consoleInFileWithLogger', data: { ...data, logger }, path } : { messageId: 'consoleInFile', data, path });
        continue;
      }
      for (const [start, end, method] of signal.calls) {
        ctx.report(
          logger
            ? { messageId: 'consoleWithLogger', data: { method, logger }, path, range: { start, end } }
            : { messageId: 'console', data: { method }, path, range: { start, end } },
        );
      }
    }
  },
});
