import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { isServerFile, serverCandidate, type OwningPackage } from '../../_server/server-code.js';
import { isFunctionLike } from '../../_http/routes.js';
import { enclosingHandler, mentions, requestNames } from '../_kit.js';
import { moduleOf, moduleUseOf, objectArgument, propsOf, type ModuleUse } from '../../security/_code/code.js';

/** Session middleware whose default store is an in-process MemoryStore (koa-session and cookie-session keep sessions in the cookie). */
const memoryDefault = new Set(['express-session', '@fastify/session', 'fastify-session', '@mgcrea/fastify-session']);
const memoryStoreModules = new Set(['memorystore', 'express-session', 'session-memory-store']);

/** `session({...})`, `expressSession(opts)`, `require('express-session')({...})`: the module whose middleware is created. */
function sessionMiddleware(call: ts.CallExpression, imports: ModuleUse): string | undefined {
  const target = moduleOf(call.expression, imports);
  return target && target.name === 'default' && memoryDefault.has(target.module) ? target.module : undefined;
}

/** `app.register(fastifySession, {...})`, `fastify.register(require('@fastify/session'), {...})`. */
function registeredSession(call: ts.CallExpression, imports: ModuleUse): string | undefined {
  if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'register') return undefined;
  const plugin = call.arguments[0];
  if (!plugin) return undefined;
  const target = moduleOf(plugin, imports);
  return target && memoryDefault.has(target.module) ? target.module : undefined;
}

/** `new MemoryStore()`, `new session.MemoryStore()`, `new (require('memorystore')(session))()`. */
function memoryStore(node: ts.NewExpression, imports: ModuleUse): boolean {
  const e = node.expression;
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
  if (name === 'MemoryStore') {
    const target = moduleOf(e, imports);
    return target === undefined ? imports.modules.has('memorystore') || [...imports.modules].some((m) => memoryDefault.has(m)) : memoryStoreModules.has(target.module) || memoryDefault.has(target.module);
  }
  // const MemoryStore = require('memorystore')(session) binds a class under another name.
  if (ts.isIdentifier(e)) {
    const hit = imports.names.get(e.text);
    if (hit?.specifier === 'memorystore') return true;
  }
  return false;
}

/**
 * `inFlight.set(key, n + 1); try { ... } finally { inFlight.delete(key) }`: the map counts work running in this
 * process and releases it when the work ends, so it is per-process by design (a concurrency limit), not session state.
 */
function releasedInFinally(write: ts.Node, name: string): boolean {
  let fn: ts.Node | undefined = write.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return false;
  let released = false;
  const touches = (n: ts.Node): void => {
    // A release deferred to a timer or callback does not end with the work.
    if (released || ts.isFunctionLike(n)) return;
    const member = ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) ? n.expression : undefined;
    if (member && ts.isIdentifier(member.expression) && member.expression.text === name && /^(?:set|delete)$/.test(member.name.text)) released = true;
    if (ts.isDeleteExpression(n) && ts.isElementAccessExpression(n.expression) && n.expression.expression.getText() === name) released = true;
    ts.forEachChild(n, touches);
  };
  const visit = (n: ts.Node): void => {
    if (released || (n !== fn && ts.isFunctionLike(n))) return;
    if (ts.isTryStatement(n) && n.finallyBlock) touches(n.finallyBlock);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return released;
}

/** A binding created at module level whose value is a Map, Set, object or array literal: state shared by every request. */
function moduleCaches(source: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of source.statements) {
    const list = ts.isVariableStatement(s) ? s.declarationList : undefined;
    if (!list) continue;
    for (const d of list.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      const init = d.initializer;
      if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && /^(?:Map|Set)$/.test(init.expression.text)) out.set(d.name.text, `new ${init.expression.text}()`);
      else if (ts.isObjectLiteralExpression(init) && init.properties.length === 0) out.set(d.name.text, '{}');
      else if (ts.isArrayLiteralExpression(init) && init.elements.length === 0) out.set(d.name.text, '[]');
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'session-store-in-memory',
    category: 'scalability',
    checklist: 'SCL-1',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      defaultStore:
        '{{module}} is configured without a `store`, so sessions live in its in-process MemoryStore: they vanish on every restart or deploy, are not shared between instances (users are logged out at random behind a load balancer) and the store leaks memory. Pass a shared store such as connect-redis, connect-pg-simple or @fastify/session with a Redis store.',
      explicitMemory:
        'Sessions are kept in a MemoryStore inside the server process, so they vanish on every restart or deploy and are not shared between instances: a second replica logs users out at random. Use a shared store (Redis via connect-redis, PostgreSQL via connect-pg-simple) instead.',
      moduleCache:
        'This request handler writes request data into `{{name}}` ({{kind}} created at module level), so the state lives in one process: another instance behind the load balancer does not see it and a restart loses it. Keep per-user or per-request state in Redis or the database, or make clear it is only a local cache.',
    },
    docs: {
      summary: 'Session middleware left on its in-memory default store, an explicit MemoryStore, and module-level maps that request handlers fill with request data.',
      why: 'A stateless server can be restarted, scaled out and replaced at any time. Sessions or other request state kept in process memory break that: each deploy logs everybody out, two replicas disagree about who is signed in, and memory grows without bound (express-session warns that its MemoryStore "will leak memory" and is not meant for production).',
      howToFix:
        'Give the session middleware a shared store: `session({ store: new RedisStore({ client }) })` with connect-redis, `connect-pg-simple` for PostgreSQL, or cookie-based sessions (cookie-session, @fastify/secure-session, koa-session\'s default). Keep other request state (OTP codes, counters, pending uploads) in Redis or the database.',
      examples: {
        invalid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport session from 'express-session';\n\nconst app = express();\napp.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "express-session": "^1.18.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport session from 'express-session';\nimport { RedisStore } from 'connect-redis';\nimport { redis } from './redis.js';\n\nconst app = express();\napp.use(session({ store: new RedisStore({ client: redis }), secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "express-session": "^1.18.0", "connect-redis": "^8.0.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep registry or Checkov equivalent; express-session itself prints a MemoryStore warning when NODE_ENV=production'],
      limitations: [
        'Options passed as a variable are followed within the file; options built elsewhere (a config module, a factory) are assumed to set a store.',
        'Module-level caches are reported only in server code (a file of a backend package, or one that imports a server framework) and only where a request handler in the same file writes request data into them (`cache.set(req.params.id, ...)`); caches filled from the database or configuration are not reported, nor are in-flight counters that the same function releases in a `finally` block (a per-process concurrency limit is meant to stay in memory).',
        'Tests, scripts and examples are skipped.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['session', 'Session', 'MemoryStore', 'memorystore', 'new Map', 'new Set', '= {}', '= []'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence: server } = candidate;
    const imports = moduleUseOf(source);
    const caches = moduleCaches(source);
    const onCall = (node: ts.Node): void => {
      const call = node as ts.CallExpression;
      const direct = sessionMiddleware(call, imports);
      const registered = direct === undefined ? registeredSession(call, imports) : undefined;
      const module = direct ?? registered;
      if (module !== undefined) {
        const options = objectArgument(call.arguments[direct !== undefined ? 0 : 1]);
        if (!options) return;
        const props = propsOf(options);
        if (props.spread || props.has('store')) return;
        ctx.report({ messageId: 'defaultStore', data: { module }, node: call });
        return;
      }
      if (caches.size > 0) onCacheWrite(call);
    };
    // Whether the file is server code is only known with the whole repository (its package's dependencies): decided in summarize.
    const writes: CacheWrite[] = [];
    const report = (node: ts.Node, name: string): void => {
      writes.push({ start: node.getStart(source), end: node.getEnd(), name, kind: caches.get(name)! });
    };
    // One walk per handler, not one per write in it.
    const requestDataOf = new Map<ts.Node, string[]>();
    const writesRequestData = (node: ts.Node, values: readonly ts.Node[]): boolean => {
      const handler = enclosingHandler(node, path);
      if (!handler) return false;
      let names = requestDataOf.get(handler);
      if (!names) requestDataOf.set(handler, (names = requestData(handler)));
      return values.some((v) => mentions(v, names));
    };
    const onCacheWrite = (call: ts.CallExpression): void => {
      const callee = call.expression;
      if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || !caches.has(callee.expression.text)) return;
      if (!/^(?:set|add|push|unshift)$/.test(callee.name.text) || shadowed(call, callee.expression.text)) return;
      if (releasedInFinally(call, callee.expression.text)) return;
      if (writesRequestData(call, call.arguments)) report(call, callee.expression.text);
    };
    const onAssign = (node: ts.Node): void => {
      const b = node as ts.BinaryExpression;
      if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isElementAccessExpression(b.left) || !ts.isIdentifier(b.left.expression)) return;
      const name = b.left.expression.text;
      if (!caches.has(name) || shadowed(b, name) || releasedInFinally(b, name)) return;
      if (writesRequestData(b, [b.left.argumentExpression, b.right])) report(b, name);
    };
    return {
      CallExpression: onCall,
      ...(caches.size > 0 ? { BinaryExpression: onAssign } : {}),
      NewExpression: (node) => {
        if (memoryStore(node as ts.NewExpression, imports)) ctx.report({ messageId: 'explicitMemory', node });
      },
      EndOfFileToken: () => {
        if (writes.length > 0) ctx.emit({ server, writes } satisfies CacheSignal);
      },
    };
  },
  summarize(ctx, signals) {
    const cache = new Map<string, OwningPackage>();
    for (const { path, value } of signals) {
      const signal = value as CacheSignal;
      if (!isServerFile(ctx.model, path, signal.server, cache)) continue;
      for (const w of signal.writes) {
        ctx.report({ messageId: 'moduleCache', data: { name: w.name, kind: w.kind }, path, range: { start: w.start, end: w.end }, confidence: 'low', severity: 'medium' });
      }
    }
  },
});

interface CacheWrite {
  start: number;
  end: number;
  name: string;
  kind: string;
}

interface CacheSignal {
  server: boolean;
  writes: CacheWrite[];
}

/** The request parameter names and the locals of a handler assigned from them (`const phone = req.body.phone`). */
function requestData(handler: ts.Node): string[] {
  const names = [...requestNames(handler), 'req', 'request', 'body', 'input'];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer && mentions(n.initializer, names)) {
      if (ts.isIdentifier(n.name)) names.push(n.name.text);
      else if (ts.isObjectBindingPattern(n.name)) for (const el of n.name.elements) if (ts.isIdentifier(el.name)) names.push(el.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(handler);
  return names;
}

/** Whether a function between the node and the module declares a parameter or variable with this name. */
function shadowed(node: ts.Node, name: string): boolean {
  for (let p: ts.Node | undefined = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (isFunctionLike(p) && p.parameters.some((param) => ts.isIdentifier(param.name) && param.name.text === name)) return true;
    if (ts.isBlock(p) && p.statements.some((s) => ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name))) return true;
  }
  return false;
}
