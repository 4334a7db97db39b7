import { ts } from 'ts-morph';
import { defineRule } from '../../../src/core/define-rule.js';
import type { PackageManifest, RepoModel } from '../../../src/audit/model.js';

const methods = new Set(['log', 'info', 'warn', 'error', 'debug', 'trace']);

/** Runtime dependencies that make a package a backend service: HTTP frameworks, GraphQL servers, job workers. */
const serverFrameworks = [
  'express', 'fastify', 'koa', 'hono', '@hono/node-server', '@nestjs/core', '@hapi/hapi', 'hapi', 'restify', 'polka', 'h3', 'elysia',
  '@adonisjs/core', '@feathersjs/feathers', '@loopback/core', '@apollo/server', 'apollo-server', 'apollo-server-express', 'graphql-yoga',
  'socket.io', 'micro', 'sails', 'bullmq', 'bull', 'bee-queue', 'pg-boss', 'agenda', '@middy/core', 'serverless-http',
  '@vendia/serverless-express', '@codegenie/serverless-express', 'moleculer', '@remix-run/express',
];
/** Dependencies of browser or desktop front ends: in such a package only files with their own server evidence count. */
const frontEnds = [
  'react-dom', 'next', 'vue', 'nuxt', 'svelte', '@sveltejs/kit', '@angular/core', 'solid-js', 'preact', '@remix-run/react', 'astro',
  'react-native', 'expo', 'electron', '@builder.io/qwik', 'gatsby',
];
/** Module specifiers whose import marks the importing file itself as server code. */
const serverModules = new Set([...serverFrameworks, 'http', 'https', 'http2', 'node:http', 'node:https', 'node:http2', 'next/server']);
/** Structured loggers: when the package already has one, the finding names it. */
const loggers = [
  ['pino', 'pino'], ['nestjs-pino', 'nestjs-pino'], ['winston', 'winston'], ['bunyan', 'bunyan'], ['log4js', 'log4js'], ['tslog', 'tslog'],
  ['roarr', 'roarr'], ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/logger'], ['consola', 'consola'], ['@nestjs/common', "Nest's Logger"],
  ['fastify', "Fastify's built-in logger (request.log)"],
] as const;

/** Files that are not request-serving code: tests, scripts and CLIs, tool configuration, seeds and migrations, docs. */
const notServerPath = [
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|testing|test-?utils|mocks?|stubs?)\//,
  /\.(?:test|spec|e2e|e2e-spec|stories|story|cy|bench)\.[cm]?[jt]sx?$|(?:^|\/)test(?:[-_.][^/]*)?\.[cm]?[jt]sx?$/,
  /(?:^|\/)(?:bin|cli|tools|tooling|generators?|codemods?|\.husky|\.github|_templates|\.hygen)\/|(?:^|\/)(?:[.\w-]*[-_.])?scripts?\//,
  /(?:^|\/)cli\.[cm]?[jt]s$/,
  /(?:^|\/)[^/]+\.config\.[cm]?[jt]s$|(?:^|\/)\.[^/]+rc\.[cm]?[jt]s$|(?:^|\/)(?:gulpfile|gruntfile|jakefile|ecosystem)\.[cm]?[jt]s$/i,
  /(?:^|\/)(?:seeds?|seeders?|seeding|migrations?|factories)\/|(?:^|\/)(?:seed|migrate)[^/]*\.[cm]?[jt]s$/,
  /(?:^|\/)(?:examples?|samples?|docs?|benchmarks?|bench|playgrounds?|demos?|sandbox|templates?|vendor|third[-_]party|generated|__generated__)\//,
  /\.d\.[cm]?ts$/,
  // The logger's own implementation may write to the console; that is where structured output is produced.
  /(?:^|\/)(?:loggers?|logging)(?:\/|\.[cm]?[jt]s$)|(?:^|\/)(?:log|debug|debugger)\.[cm]?[jt]s$/,
];
/** Code that also or only runs in the browser, whatever folder it sits in. */
const clientCode = /\.client\.[cm]?[jt]sx?$|(?:^|\/)(?:client-only|universal|isomorphic)\//;
/** Browser code by location (Next.js `pages/api` is the exception). */
const frontEndPath = /(?:^|\/)(?:components?|public|static|assets|client|frontend|browser|ui|hooks|views|styles|www|spa|widgets|layouts|\.storybook|extension)\/|(?:^|\/)(?:sw|service-?worker)\.[cm]?[jt]s$/;
const nextPages = /(?:^|\/)pages\/(?!api\/)/;
/** Next.js server entry points: API routes, route handlers, middleware, server-only modules. */
const nextServerPath = /(?:^|\/)pages\/api\/|(?:^|\/)app\/(?:.*\/)?route\.[cm]?[jt]sx?$|(?:^|\/)(?:src\/)?(?:middleware|instrumentation)\.[cm]?[jt]s$|(?:^|\/)server\/|\.server\.[cm]?[jt]sx?$/;

interface FileSignal {
  /** [start, end, method] of each console call. */
  calls: Array<[number, number, string]>;
  /** The file imports a server framework or node:http, or is a server action / Next.js server entry point. */
  server: boolean;
}

function directive(source: ts.SourceFile): string | undefined {
  const first = source.statements[0];
  return first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) ? first.expression.text : undefined;
}

function importsServerModule(source: ts.SourceFile): boolean {
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && serverModules.has(statement.moduleSpecifier.text)) {
      return statement.moduleSpecifier.text.includes('http') ? /\bcreateServer\b/.test(source.text) : true;
    }
  }
  for (const m of source.text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (serverModules.has(m[1]!)) return m[1]!.includes('http') ? /\bcreateServer\b/.test(source.text) : true;
  }
  return false;
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

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

interface OwningPackage {
  dir: string;
  manifest: PackageManifest | undefined;
}

function owningPackage(model: RepoModel, path: string, cache: Map<string, OwningPackage>): OwningPackage {
  const visited: string[] = [];
  let dir = dirOf(path);
  let found: OwningPackage = { dir: '.', manifest: undefined };
  for (;;) {
    const cached = cache.get(dir);
    if (cached) {
      found = cached;
      break;
    }
    visited.push(dir);
    const manifest = model.json<PackageManifest>(dir === '.' ? 'package.json' : `${dir}/package.json`);
    if (manifest && typeof manifest === 'object') {
      found = { dir, manifest };
      break;
    }
    if (dir === '.') break;
    dir = dirOf(dir);
  }
  for (const d of visited) cache.set(d, found);
  return found;
}

/** Serverless functions by their platform's folder convention: Vercel `api/` beside vercel.json, Netlify functions. */
function serverlessFunction(model: RepoModel, pkg: OwningPackage, path: string): boolean {
  if (/(?:^|\/)netlify\/(?:edge-)?functions\//.test(path)) return true;
  const prefix = pkg.dir === '.' ? '' : `${pkg.dir}/`;
  return model.has(`${prefix}vercel.json`) && path.startsWith(`${prefix}api/`);
}

function runtimeDependencies(manifest: PackageManifest | undefined): Set<string> {
  return new Set([manifest?.dependencies, manifest?.optionalDependencies].flatMap((d) => (d && typeof d === 'object' ? Object.keys(d) : [])));
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
        'A package whose only server dependency is a devDependency, or a serverless handler without a recognised framework, is not seen as server code.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['console.'] },
  check(ctx) {
    const { path, text } = ctx.file;
    if (notServerPath.some((re) => re.test(path)) || clientCode.test(path) || text.startsWith('#!')) return;
    const source = ctx.ast();
    const first = directive(source);
    if (first === 'use client') return;
    // `const console = ...`, `import { console } ...`: the name does not refer to the global console.
    if (/\b(?:const|let|var|function|class)\s+console\b|\bimport\s*\{[^}]*\bconsole\b[^}]*\}/.test(text)) return;
    const jsx = /\.[jt]sx$/i.test(path);
    const signal: FileSignal = { calls: [], server: first === 'use server' || nextServerPath.test(path) || importsServerModule(source) };
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
        signal.calls.push([call.getStart(source), call.getEnd(), callee.name.text]);
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
      const pkg = owningPackage(ctx.model, path, cache);
      const deps = runtimeDependencies(pkg.manifest);
      const serverPackage = serverFrameworks.some((d) => deps.has(d));
      const frontEnd = frontEnds.some((d) => deps.has(d));
      const cli = pkg.manifest?.bin !== undefined;
      // In a pure backend package every remaining file is server code; elsewhere the file must show it itself.
      const isServer =
        signal.server ||
        serverlessFunction(ctx.model, pkg, path) ||
        (serverPackage && !frontEnd && !cli && !frontEndPath.test(path) && !nextPages.test(path));
      if (!isServer) continue;
      const logger = loggers.find(([dep]) => deps.has(dep))?.[1];
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
