import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { frontEndPath, isServerFile, serverCandidate, type OwningPackage } from '../../_server/server-code.js';
import { moduleOf, moduleUseOf, objectArgument, propsOf, type ModuleUse } from '../../security/_code/code.js';

type Client = 'fetch' | 'axios' | 'got' | 'http';

interface Hit {
  start: number;
  end: number;
  client: Client;
  call: string;
}

interface FileSignal {
  server: boolean;
  hits: Hit[];
  /** The file sets a default timeout for every axios request (`axios.defaults.timeout = ...`). */
  axiosDefaults?: true;
}

const axiosMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'postForm', 'putForm', 'patchForm']);
const gotMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'stream', 'paginate']);

/** Whether an options argument sets the given keys; undefined when it cannot be known (a variable built elsewhere, a spread). */
function sets(arg: ts.Expression | undefined, source: ts.SourceFile, keys: readonly string[]): boolean | undefined {
  if (arg === undefined) return false;
  const object = objectArgument(arg);
  if (!object) return undefined;
  const props = propsOf(object);
  if (keys.some((k) => props.has(k))) return true;
  return props.spread ? undefined : false;
}

function classify(call: ts.CallExpression, imports: ModuleUse): { client: Client; options: ts.Expression | undefined; create?: boolean } | undefined {
  const e = call.expression;
  // Global fetch (Node 18+): `fetch(url)`, `globalThis.fetch(url)`; node-fetch and undici's fetch take the same init.
  if ((ts.isIdentifier(e) && e.text === 'fetch' && (!imports.names.has('fetch') || /^(?:node-fetch|undici|cross-fetch|isomorphic-fetch)$/.test(imports.names.get('fetch')!.specifier))) || (ts.isPropertyAccessExpression(e) && e.name.text === 'fetch' && /^(?:globalThis|window|global)$/.test(e.expression.getText()))) {
    return { client: 'fetch', options: call.arguments[1] };
  }
  const target = moduleOf(e, imports);
  if (!target) return undefined;
  if (target.module === 'axios') {
    if (target.name === 'create') return { client: 'axios', options: call.arguments[0], create: true };
    if (target.name === 'default') return { client: 'axios', options: call.arguments.length === 1 ? call.arguments[0] : call.arguments[1] };
    if (axiosMethods.has(target.name)) {
      const configIndex = /^(?:get|delete|head|options)$/.test(target.name) ? 1 : target.name === 'request' ? 0 : 2;
      return { client: 'axios', options: call.arguments[configIndex] };
    }
    return undefined;
  }
  if (target.module === 'got') {
    if (target.name === 'extend') return { client: 'got', options: call.arguments[0], create: true };
    if (target.name === 'default' || gotMethods.has(target.name)) return { client: 'got', options: call.arguments.length === 1 && !ts.isStringLiteralLike(call.arguments[0]!) ? call.arguments[0] : call.arguments[1] };
    return undefined;
  }
  if (/^(?:node:)?https?$/.test(target.module) && /^(?:request|get)$/.test(target.name)) {
    // http.request(url, options, cb) or http.request(options, cb)
    const [first, second] = call.arguments;
    const isOptions = (a: ts.Expression | undefined): boolean => a !== undefined && !ts.isArrowFunction(a) && !ts.isFunctionExpression(a) && !ts.isStringLiteralLike(a) && !ts.isTemplateExpression(a) && !ts.isNewExpression(a);
    const options = call.arguments.find((a) => ts.isObjectLiteralExpression(a)) ?? (isOptions(second) ? second : isOptions(first) ? first : undefined);
    return { client: 'http', options };
  }
  return undefined;
}

/** `Promise.race([fetch(url), timeout(5000)])`, `pTimeout(fetch(url), ...)`, `withTimeout(axios.get(url))`: a deadline from outside the call. */
function raced(call: ts.CallExpression): boolean {
  for (let p: ts.Node | undefined = call.parent; p && !ts.isBlock(p) && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isCallExpression(p) && p !== call) {
      const name = p.expression.getText();
      if (/^Promise\.race$|timeout|deadline/i.test(name)) return true;
    }
  }
  return false;
}

const timeoutKeys: Record<Client, readonly string[]> = {
  fetch: ['signal', 'timeout', 'dispatcher'],
  axios: ['timeout', 'signal', 'cancelToken'],
  got: ['timeout', 'signal'],
  http: ['timeout', 'signal'],
};

export default defineRule({
  meta: {
    id: 'outbound-timeout-missing',
    category: 'scalability',
    checklist: 'SCL-6',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      fetch:
        '`{{call}}` is called without a `signal`, so this request has no timeout of its own: Node\'s fetch waits up to 5 minutes for response headers and then indefinitely for the body, and a slow dependency ties up this request, its memory and its connections until the whole service stalls. Pass `signal: AbortSignal.timeout(ms)` with a budget that fits the caller.',
      axios:
        '`{{call}}` has no `timeout`, and axios waits forever by default, so one hanging dependency holds this request (and the connection pool) open until the service runs out of sockets or memory. Set `timeout` on the call or, better, once with `axios.create({ timeout })` and use that instance.',
      got:
        '`{{call}}` has no `timeout`, and got waits forever by default, so a hanging dependency holds this request open and piles up work in the service. Set `timeout: { request: ms }` here or once with `got.extend({ timeout })`.',
      http:
        '`{{call}}` is made without a timeout, so Node waits for the remote side indefinitely: a dependency that stops answering blocks this work and leaks sockets. Pass `timeout` (and handle the `timeout` event by destroying the request) or use `signal: AbortSignal.timeout(ms)`.',
    },
    docs: {
      summary: 'Outbound HTTP calls from server code without a timeout: `fetch` without `signal`, axios calls and instances without `timeout`, got without `timeout`, `http.request` without `timeout`.',
      why: 'Every dependency eventually hangs. Without a timeout, a request waiting on it holds a socket, memory and often a database connection; under load the waiting requests pile up until the whole service stops answering, turning one slow partner API into a full outage. Timeouts are the precondition for retries, circuit breakers and graceful degradation.',
      howToFix:
        'Give every outbound call a deadline that fits the caller\'s own budget: `fetch(url, { signal: AbortSignal.timeout(5000) })`, one configured client per dependency (`axios.create({ baseURL, timeout: 5000 })`, `got.extend({ timeout: { request: 5000 } })`, an undici `Agent` with `headersTimeout`/`bodyTimeout`), and handle the timeout error (fallback, retry with backoff, or a clear error).',
      examples: {
        invalid: [
          {
            file: 'src/payments.ts',
            code: "export async function charge(amount: number): Promise<unknown> {\n  const res = await fetch('https://api.payments.example/charges', { method: 'POST', body: JSON.stringify({ amount }) });\n  return res.json();\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/payments.ts',
            code: "export async function charge(amount: number): Promise<unknown> {\n  const res = await fetch('https://api.payments.example/charges', {\n    method: 'POST',\n    body: JSON.stringify({ amount }),\n    signal: AbortSignal.timeout(5000),\n  });\n  return res.json();\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep registry or Checkov equivalent (the Release It! "timeouts" and "circuit breaker" patterns)'],
      limitations: [
        'Only server code is read: files of backend packages and files that show they are server code (`next/server`, route handlers, `server/` folders, `"use server"`); React components, `"use client"` modules and front-end packages are skipped because browsers handle their own requests.',
        'A call wrapped in `Promise.race([...])` or a function whose name mentions a timeout (`pTimeout`, `withTimeout`) is taken to have a deadline.',
        'Options passed as a variable are followed within the file; options built elsewhere, or spread in (`...init`), are assumed to carry a timeout. Calls through an instance (`api.get()`) are judged where the instance is created (`axios.create`, `got.extend`).',
        'A default set with `axios.defaults.timeout` anywhere in the repository covers plain `axios` calls. ky and undici\'s `request` have default timeouts and are not reported; SDK clients (Stripe, AWS) configure their own.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['fetch(', 'axios', 'got', 'http'] },
  check(ctx) {
    const { path, text } = ctx.file;
    if (/\.[jt]sx$/.test(path)) return;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence: server } = candidate;
    if (!server && frontEndPath.test(path)) return;
    const imports = moduleUseOf(source);
    const signal: FileSignal = { server, hits: [] };
    if (/\baxios\.defaults\.timeout\s*=|\baxios\.defaults\s*=\s*\{[^}]*timeout/.test(text)) signal.axiosDefaults = true;
    return {
      CallExpression: (node) => {
        const call = node as ts.CallExpression;
        const c = classify(call, imports);
        if (!c) return;
        const has = sets(c.options, source, timeoutKeys[c.client]);
        if (has !== false) return;
        // `const req = http.request(...); req.setTimeout(5000)`, `req.on('timeout', ...)`.
        if (c.client === 'http' && /\.setTimeout\(|\.on\(\s*['"]timeout['"]/.test(text)) return;
        if (raced(call)) return;
        const callee = call.expression.getText(source);
        signal.hits.push({ start: call.getStart(source), end: call.getEnd(), client: c.client, call: `${callee}()` });
      },
      EndOfFileToken: () => {
        if (signal.hits.length > 0 || signal.axiosDefaults) ctx.emit(signal);
      },
    };
  },
  summarize(ctx, signals) {
    const axiosDefaults = signals.some((s) => (s.value as FileSignal).axiosDefaults);
    const cache = new Map<string, OwningPackage>();
    for (const { path, value } of signals) {
      const signal = value as FileSignal;
      if (signal.hits.length === 0 || !isServerFile(ctx.model, path, signal.server, cache)) continue;
      for (const h of signal.hits) {
        if (h.client === 'axios' && axiosDefaults && !h.call.includes('create')) continue;
        ctx.report({ messageId: h.client, data: { call: h.call }, path, range: { start: h.start, end: h.end } });
      }
    }
  },
});
