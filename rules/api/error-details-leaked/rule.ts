import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { forEachDescendant, isFunctionLike, nonServedPath } from '../../_http/routes.js';

const responseObjects = /^(?:res|response|reply|rep|resp|ctx|context|c|h|httpResponse|event)$/;
const sinkMethods = new Set(['send', 'json', 'end', 'write', 'jsonp', 'text', 'html', 'body', 'status']);
/** Conditions under which an error message is meant for the client or only shown in development. */
const narrowing = /\binstanceof\s+(?!Error\b)[\w.]+|\bstatus(?:Code)?\s*[<>]=?\s*\d{3}|\.(?:status|statusCode|expose|isOperational|isBoom|code|name|type)\b|isHttpError|isAxiosError|ZodError|ValidationError|HttpException|NODE_ENV|isDev|isDevelopment|development|isProduction|isProd|\bdebug\b/;

type Leak = 'stack' | 'raw' | 'message';

const comparisons = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.InstanceOfKeyword, ts.SyntaxKind.InKeyword, ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken,
]);

/** The caught error names visible at `node`: `catch (err)`, `(err, req, res, next) =>`, `setErrorHandler((error, ...) =>`, `.catch((e) =>`. */
function errorNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isCatchClause(n) && n.variableDeclaration && ts.isIdentifier(n.variableDeclaration.name)) names.add(n.variableDeclaration.name.text);
    if (!isFunctionLike(n)) continue;
    const first = n.parameters[0];
    if (!first || !ts.isIdentifier(first.name)) continue;
    const call = n.parent;
    const calleeName = ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) ? call.expression.name.text : undefined;
    const errorHandler =
      n.parameters.length === 4 ||
      (calleeName !== undefined && /^(?:catch|setErrorHandler|onError|on)$/.test(calleeName) && (calleeName !== 'on' || /['"]error['"]/.test(call.getText()))) ||
      (ts.isMethodDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'catch' && n.parameters.length === 2);
    if (errorHandler) names.add(first.name.text);
  }
  return names;
}

function errorRef(node: ts.Expression, names: ReadonlySet<string>): boolean {
  let e = node;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return ts.isIdentifier(e) && names.has(e.text);
}

/** What of the error `payload` contains, outside nested functions. */
function leakIn(payload: ts.Expression, names: ReadonlySet<string>): { kind: Leak; node: ts.Node } | undefined {
  let found: { kind: Leak; node: ts.Node } | undefined;
  const rank: Record<Leak, number> = { stack: 3, raw: 2, message: 1 };
  const note = (kind: Leak, node: ts.Node): void => {
    if (!found || rank[kind] > rank[found.kind]) found = { kind, node };
  };
  const visit = (node: ts.Node): boolean | void => {
    if (isFunctionLike(node)) return false;
    // `isProd ? undefined : err.stack`: shown only in development.
    if (ts.isConditionalExpression(node) && narrowing.test(node.condition.getText())) return false;
    // `CODES[err.message] ?? CODES.UNKNOWN`: the message picks a prepared answer; it is not sent.
    if (ts.isElementAccessExpression(node)) {
      if (visit(node.expression) !== false) forEachDescendant(node.expression, visit);
      return false;
    }
    // `err instanceof AppError`, `err.message === 'x'`: a test of the error yields a boolean, not its content.
    if (ts.isBinaryExpression(node) && comparisons.has(node.operatorToken.kind)) return false;
    if (ts.isPropertyAccessExpression(node) && errorRef(node.expression, names)) {
      const prop = node.name.text;
      if (prop === 'stack') note('stack', node);
      else if (prop === 'message' || prop === 'toString') note('message', node);
      return false;
    }
    if (ts.isIdentifier(node) && names.has(node.text)) {
      const parent = node.parent;
      // `{ error: ... }`: a property name, not the caught error.
      if ((ts.isPropertyAssignment(parent) || ts.isPropertyAccessExpression(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) return undefined;
      // `(err as Error).message` is handled as a property read.
      let outer: ts.Node = parent;
      while (ts.isParenthesizedExpression(outer) || ts.isAsExpression(outer) || ts.isNonNullExpression(outer) || ts.isTypeAssertionExpression(outer)) outer = outer.parent;
      if (outer !== parent && ts.isPropertyAccessExpression(outer)) return undefined;
      if (ts.isCallExpression(parent) && ts.isIdentifier(parent.expression) && parent.expression.text === 'String') note('message', node);
      else if (ts.isTemplateSpan(parent)) note('message', node);
      else if (!ts.isPropertyAccessExpression(parent)) note('raw', node);
    }
    return undefined;
  };
  if (visit(payload) !== false) forEachDescendant(payload, visit);
  return found;
}

/** `res.status(4xx)` in the chain: an expected client error, whose message is meant for the client. */
function clientErrorStatus(call: ts.CallExpression): boolean {
  let e: ts.Expression = call.expression;
  while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) {
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && /^(?:status|code|sendStatus)$/.test(e.expression.name.text)) {
      const arg = e.arguments[0];
      if (arg && ts.isNumericLiteral(arg) && Number(arg.text) < 500) return true;
    }
    e = ts.isPropertyAccessExpression(e) ? e.expression : e.expression;
  }
  const second = call.arguments[1];
  if (second && ts.isNumericLiteral(second) && Number(second.text) < 500) return true;
  if (second && ts.isObjectLiteralExpression(second) && /status\s*:\s*4\d\d\b/.test(second.getText())) return true;
  return false;
}

function responseBase(e: ts.Expression): string | undefined {
  let cur = e;
  while (ts.isPropertyAccessExpression(cur) || ts.isCallExpression(cur)) cur = cur.expression;
  return ts.isIdentifier(cur) ? cur.text : undefined;
}

/** The response payload of a sink call: `res.json(x)`, `reply.send(x)`, `c.json(x)`, `NextResponse.json(x)`, `new Response(x)`. */
function payloadOf(node: ts.Node): { payload: ts.Expression; call?: ts.CallExpression } | undefined {
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const method = node.expression.name.text;
    const base = responseBase(node.expression.expression);
    const arg = node.arguments[0];
    if (!arg) return undefined;
    if ((base === 'NextResponse' || base === 'Response') && method === 'json') return { payload: arg, call: node };
    if (!base || !responseObjects.test(base) || !sinkMethods.has(method) || method === 'status' || method === 'body') return undefined;
    return { payload: arg, call: node };
  }
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /^(?:Response|NextResponse)$/.test(node.expression.text) && node.arguments?.[0]) {
    return { payload: node.arguments[0] };
  }
  // Koa: ctx.body = { error: err.message }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && node.left.name.text === 'body') {
    const base = responseBase(node.left.expression);
    if (base && /^(?:ctx|context)$/.test(base)) return { payload: node.right };
  }
  return undefined;
}

/** An enclosing `if` that narrows the error (`err instanceof HttpError`, `err.status < 500`) or limits it to development. */
function narrowed(node: ts.Node, stop: ts.Node | undefined): boolean {
  for (let n: ts.Node | undefined = node.parent; n && n !== stop; n = n.parent) {
    if (ts.isIfStatement(n) && narrowing.test(n.expression.getText())) return true;
    if (ts.isCaseClause(n) || ts.isConditionalExpression(n)) {
      const test = ts.isCaseClause(n) ? n.expression.getText() + n.parent.parent.expression.getText() : n.condition.getText();
      if (narrowing.test(test)) return true;
    }
    if (isFunctionLike(n)) return false;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'error-details-leaked',
    category: 'api',
    checklist: 'API-6',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      stack:
        'The stack trace of a caught error is sent to the client, revealing file paths, library versions and code structure that help an attacker. Log it server-side and answer a generic error (problem+json with a request ID) instead.',
      raw:
        'A caught error object is sent to the client as is; database, HTTP-client and ORM errors carry SQL, table names, hostnames and sometimes credentials in their properties. Log the error and answer a generic message with a request ID.',
      message:
        'The message of an unexpected error is sent to the client; messages of database and library errors describe internals (constraint names, SQL, file paths). Send it only for known client errors (e.g. after `instanceof HttpError` or for 4xx statuses) and a generic message otherwise.',
    },
    docs: {
      summary: 'Responses that send a caught error to the client: its `stack`, the error object itself, or the `message` of an error that was not narrowed to an expected one.',
      why: 'Error details are reconnaissance for an attacker: stack traces show file layout and dependency versions, driver errors show SQL and schema, HTTP-client errors include request configuration with headers and tokens. Clients need a stable code and a request ID, not the exception.',
      howToFix:
        'Log the full error server-side (with the request ID) and answer a generic body such as `{ type, title: \'Internal Server Error\', status: 500, instance: requestId }`. Expose messages only for errors you raise on purpose for the client (`if (err instanceof HttpError) return res.status(err.status).json({ title: err.message })`).',
      examples: {
        invalid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\n\nexport const orders = Router();\n\norders.get('/orders', async (_req, res) => {\n  try {\n    res.json(await db.order.findMany());\n  } catch (err) {\n    res.status(500).json({ error: err });\n  }\n});\n",
          },
        ],
        valid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\nimport { HttpError } from '../errors.js';\n\nexport const orders = Router();\n\norders.get('/orders', async (req, res) => {\n  try {\n    res.json(await db.order.findMany());\n  } catch (err) {\n    if (err instanceof HttpError) return res.status(err.status).json({ title: err.message });\n    req.log.error({ err }, 'listing orders failed');\n    res.status(500).json({ title: 'Internal Server Error', instance: req.id });\n  }\n});\n",
          },
        ],
      },
      peers: [
        'njsscan node_error_disclosure (stack traces sent with `res.send`/`res.end`)',
        'Semgrep, eslint-plugin-security and @microsoft/eslint-plugin-sdl: no equivalent rule',
      ],
      limitations: [
        'Only errors caught in the same function are followed: `catch (err)`, error middleware `(err, req, res, next)`, Fastify `setErrorHandler`, Hono `onError`, Nest exception filters and `.catch((e) => ...)` callbacks.',
        'Messages are not reported under a condition that narrows the error (`instanceof`, `err.status`, `err.code`, `NODE_ENV`) or with a 4xx status; a message sent after another kind of check is reported.',
        'A response helper (`sendError(res, err)`) is not followed into, nor is a message copied into a local variable first.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['catch', 'rror', 'exception'] },
  check(ctx) {
    if (nonServedPath.test(ctx.file.path) || /\.(?:tsx|jsx)$/.test(ctx.file.path)) return;
    const source = ctx.ast();
    if (/^\s*['"]use client['"]/.test(source.text)) return;
    const onSink = (node: ts.Node): void => {
      const sink = payloadOf(node);
      if (!sink) return;
      const names = errorNames(node);
      if (names.size === 0) return;
      const leak = leakIn(sink.payload, names);
      if (!leak) return;
      if (leak.kind === 'message' && (narrowed(node, undefined) || (sink.call && clientErrorStatus(sink.call)))) return;
      if (leak.kind !== 'message' && narrowed(node, undefined) && /NODE_ENV|isDev|development|isProd|debug/.test(enclosingConditions(node))) return;
      ctx.report({
        messageId: leak.kind === 'stack' ? 'stack' : leak.kind === 'raw' ? 'raw' : 'message',
        node: leak.node,
        ...(leak.kind === 'message' ? { severity: 'low' as const, confidence: 'low' as const } : {}),
      });
    };
    return { CallExpression: onSink, NewExpression: onSink, BinaryExpression: onSink };
  },
});

function enclosingConditions(node: ts.Node): string {
  const out: string[] = [];
  for (let n: ts.Node | undefined = node.parent; n && !isFunctionLike(n); n = n.parent) {
    if (ts.isIfStatement(n)) out.push(n.expression.getText());
    if (ts.isConditionalExpression(n)) out.push(n.condition.getText());
  }
  return out.join(' ');
}
