import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { objectProperty, nonProductionPath, unwrap } from '../_code/code.js';

/** The request's own Origin header: `req.headers.origin`, `req.header('origin')`, `request.headers.get('origin')`. */
const requestOrigin = /\b(?:req|request|ctx|c)\b[\w.]*\.(?:headers\.origin\b|headers\[['"]origin['"]\]|header\(\s*['"]origin['"]|get\(\s*['"]origin['"])/i;

type Kind = 'reflected' | 'wildcard';

/** What an `origin` option allows: every origin echoed back (`true`, a callback that accepts all, `/.*\/`) or `'*'`. */
function originKind(value: ts.Expression): Kind | undefined {
  const e = unwrap(value);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return 'reflected';
  if (ts.isStringLiteralLike(e) && e.text.trim() === '*') return 'wildcard';
  if (ts.isArrayLiteralExpression(e) && e.elements.some((x) => ts.isStringLiteralLike(x) && x.text.trim() === '*')) return 'wildcard';
  if (ts.isRegularExpressionLiteral(e) && /^\/\^?\.[*+]\$?\/\w*$/.test(e.text)) return 'reflected';
  if (requestOrigin.test(e.getText())) return 'reflected';
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
    const first = e.parameters[0];
    const originName = first && ts.isIdentifier(first.name) ? first.name.text : undefined;
    const callback = e.parameters[1] && ts.isIdentifier(e.parameters[1].name) ? e.parameters[1].name.text : undefined;
    const body = e.body;
    // (origin) => origin, () => true, (origin, cb) => cb(null, true), (origin, cb) => cb(null, origin)
    const accepts = (expr: ts.Expression): boolean => {
      const x = unwrap(expr);
      if (x.kind === ts.SyntaxKind.TrueKeyword || (originName && ts.isIdentifier(x) && x.text === originName)) return true;
      if (ts.isStringLiteralLike(x) && x.text === '*') return true;
      if (callback && ts.isCallExpression(x) && ts.isIdentifier(x.expression) && x.expression.text === callback) {
        const arg = x.arguments[1];
        return arg !== undefined && accepts(arg);
      }
      return false;
    };
    if (!ts.isBlock(body)) return accepts(body) ? 'reflected' : undefined;
    // A body that decides something (an if, a lookup) is an allow-list; only a body that always accepts is reported.
    if (body.statements.length !== 1) return undefined;
    const only = body.statements[0]!;
    if (ts.isReturnStatement(only) && only.expression && accepts(only.expression)) return 'reflected';
    if (ts.isExpressionStatement(only) && accepts(only.expression)) return 'reflected';
  }
  return undefined;
}

function isTrue(value: ts.Expression | undefined): boolean {
  if (!value) return false;
  const e = unwrap(value);
  return e.kind === ts.SyntaxKind.TrueKeyword || (ts.isStringLiteralLike(e) && e.text === 'true');
}

export default defineRule({
  meta: {
    id: 'cors-credentials-any-origin',
    category: 'security',
    checklist: 'SEC-10',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      reflected:
        'CORS allows credentials for every origin (the request\'s Origin is echoed back), so any website a signed-in user visits can call this API with their cookies and read the responses. List the allowed origins explicitly (`origin: [\'https://app.example.com\']`) or drop `credentials: true`.',
      wildcard:
        'CORS combines `origin: \'*\'` with credentials: browsers refuse such responses, and the usual "fix" is reflecting any origin, which lets every website act as the signed-in user. List the allowed origins explicitly, or drop `credentials` if the API uses no cookies.',
    },
    docs: {
      summary: 'CORS configurations that allow credentials (`credentials: true`, `Access-Control-Allow-Credentials: true`) together with any origin: `origin: true`, `\'*\'`, `/.*/`, a callback that accepts every origin, or the request\'s Origin header echoed back.',
      why: 'With credentials allowed, a cross-origin request carries the user\'s cookies. If every origin is allowed too, any page on the internet can silently call the API as the visitor and read the answers: account data, tokens, CSRF tokens. This is one of the most common CORS misconfigurations.',
      howToFix:
        'Allow-list the front-end origins that need credentialed access (`cors({ origin: [\'https://app.example.com\'], credentials: true })`), from configuration per environment. APIs authenticated with bearer tokens rather than cookies do not need `credentials` at all.',
      examples: {
        invalid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport cors from 'cors';\n\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\n",
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport cors from 'cors';\n\nconst app = express();\napp.use(cors({ origin: process.env.WEB_ORIGINS!.split(','), credentials: true }));\n",
          },
        ],
      },
      peers: [
        'Semgrep javascript.express.security.cors-misconfiguration and typescript.nestjs.security.audit.nestjs-header-cors-any (origin from user input / `*`)',
        'njsscan express_cors and generic_cors (wildcard origin)',
        'eslint-plugin-security: no equivalent rule',
      ],
      limitations: [
        'Only literal configurations are judged: an origin callback that checks anything (an allow-list, a regex) is accepted, even if the check is weak.',
        'A wildcard origin without credentials is not reported: it is correct for public, cookie-less APIs.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['credentials', 'Allow-Credentials'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    return {
      ObjectLiteralExpression(node) {
        const object = node as ts.ObjectLiteralExpression;
        const origin = objectProperty(object, 'origin');
        if (!origin || !isTrue(objectProperty(object, 'credentials'))) return;
        const kind = originKind(origin);
        if (kind) ctx.report({ messageId: kind === 'reflected' ? 'reflected' : 'wildcard', node: origin, ...(kind === 'wildcard' ? { severity: 'medium' as const } : {}) });
      },
      CallExpression(node) {
        // res.setHeader('Access-Control-Allow-Origin', req.headers.origin) next to Allow-Credentials: true
        const call = node as ts.CallExpression;
        if (!ts.isPropertyAccessExpression(call.expression) || !/^(?:setHeader|header|set|append)$/.test(call.expression.name.text)) return;
        const [name, value] = call.arguments;
        if (!name || !value || !ts.isStringLiteralLike(name) || name.text.toLowerCase() !== 'access-control-allow-origin') return;
        const kind = requestOrigin.test(value.getText()) ? 'reflected' : ts.isStringLiteralLike(value) && value.text === '*' ? 'wildcard' : undefined;
        if (!kind) return;
        let scope: ts.Node = call;
        while (scope.parent && !ts.isFunctionLike(scope) && !ts.isSourceFile(scope)) scope = scope.parent;
        if (!/access-control-allow-credentials['"]\s*,\s*(?:['"]true['"]|true)/i.test(scope.getText())) return;
        ctx.report({ messageId: kind === 'reflected' ? 'reflected' : 'wildcard', node: value, ...(kind === 'wildcard' ? { severity: 'medium' as const } : {}) });
      },
    };
  },
});
