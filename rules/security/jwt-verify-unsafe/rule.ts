import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, clientCode, enclosingFunction, importsOf, objectProperty, nonProductionPath, unwrap, hasSpread } from '../_code/code.js';

/** jsonwebtoken major version per package folder: from 9 on, `verify` infers the allowed algorithms from the key type. */
type Prepared = Record<string, number>;

function majorOf(range: string): number | undefined {
  const m = /(\d+)/.exec(range);
  return m ? Number(m[1]) : undefined;
}

function versionFor(prepared: Prepared, path: string): number | undefined {
  let dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  for (;;) {
    if (prepared[dir] !== undefined) return prepared[dir];
    if (dir === '.') return undefined;
    dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.';
  }
}

/** `algorithms: ['HS256', 'none']`: the unsigned algorithm is accepted. */
function allowsNone(options: ts.ObjectLiteralExpression): ts.Node | undefined {
  const algorithms = objectProperty(options, 'algorithms');
  if (!algorithms) return undefined;
  const e = unwrap(algorithms);
  if (!ts.isArrayLiteralExpression(e)) return undefined;
  return e.elements.find((el) => ts.isStringLiteralLike(el) && el.text.toLowerCase() === 'none');
}

const decodeModules = /^(?:jsonwebtoken|jose|jwt-decode|jwt-simple)$/;
const verifyCall = /\b(?:verify|jwtVerify|verifyIdToken|verifyAccessToken|verifyToken|verifyJwt|verifySession|validateToken|introspect)\s*\(/;
/** Claims whose use is an authentication or authorization decision. */
const identityUse = /\.(?:sub|userId|user_id|uid|id|role|roles|email|user|tenantId|orgId|organizationId|permissions|scope|scopes|isAdmin|admin)\b|\b(?:req|request|ctx\.state|res\.locals)\.(?:user|auth)\s*=/;

export default defineRule<'none' | 'noAlgorithms' | 'decode', Record<never, never>, Prepared>({
  meta: {
    id: 'jwt-verify-unsafe',
    category: 'security',
    checklist: 'SEC-4',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      none: 'This verification accepts the `none` algorithm, so a token with no signature at all passes and anyone can forge any identity. Remove `none` and pin the algorithm you sign with (`algorithms: [\'RS256\']`).',
      noAlgorithms:
        'JWT verification without `algorithms` trusts the algorithm named in the token header, which attackers control (algorithm confusion, `none` on older versions). Pin the algorithm you sign with: `jwt.verify(token, key, { algorithms: [\'HS256\'] })`.',
      decode:
        'The claims of a JWT are read with `{{call}}`, which does not check the signature, and used as identity here; anyone can craft a token with any `sub` or role. Verify the token (`jwt.verify`, `jose.jwtVerify`) before trusting its claims.',
    },
    docs: {
      summary: 'JWT verification that does not pin algorithms or accepts `none`, and tokens that are only decoded (not verified) before their claims are trusted.',
      why: 'A JWT header names its own algorithm. A verifier that lets the token choose can be tricked into accepting unsigned tokens (`none`) or into checking an HMAC with a public key (algorithm confusion). Decoding without verifying is worse: the claims are whatever the sender wrote.',
      howToFix:
        'Always verify with the expected algorithm: `jwt.verify(token, key, { algorithms: [\'RS256\'], issuer, audience })`, `jose.jwtVerify(token, key, { algorithms: [\'ES256\'] })`, passport-jwt `algorithms: [\'HS256\']`. Use `jwt.decode` only for display or routing, never for authentication.',
      examples: {
        invalid: [
          {
            file: 'src/auth/verify.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function verify(token: string) {\n  return jwt.verify(token, process.env.JWT_PUBLIC_KEY!);\n}\n",
          },
          {
            file: 'src/auth/middleware.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function authenticate(req: any, _res: any, next: () => void) {\n  const claims = jwt.decode(req.headers.authorization?.slice(7)) as { sub: string } | null;\n  req.user = { id: claims?.sub };\n  next();\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/auth/verify.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function verify(token: string) {\n  return jwt.verify(token, process.env.JWT_PUBLIC_KEY!, { algorithms: ['RS256'], audience: 'api' });\n}\n",
          },
        ],
      },
      peers: [
        'Semgrep javascript.jsonwebtoken.security.jwt-none-alg and jwt-decode-without-verify',
        'njsscan node_jwt_none_algorithm',
        'CodeQL js/jwt-missing-verification',
      ],
      limitations: [
        'Missing `algorithms` is reported with low severity for jsonwebtoken 9 and later, which infer the allowed algorithms from the key type; with older or unknown versions it is medium.',
        'Options passed as a variable are not followed. jose `jwtVerify` is not reported without `algorithms`: it matches the algorithm to the key type and rejects `none`.',
        '`decode` is reported only in server code, when its result feeds identity (`sub`, `userId`, `role`, `req.user = ...`) in a function that verifies nothing.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['jsonwebtoken', 'jwtFromRequest', 'jwt-decode', 'decodeJwt', 'jwt-simple'] },
  prepare({ model }) {
    const out: Prepared = {};
    for (const { path, manifest } of model.manifests()) {
      const range = manifest.dependencies?.jsonwebtoken ?? manifest.devDependencies?.jsonwebtoken;
      const major = range ? majorOf(range) : undefined;
      if (major !== undefined) out[path === 'package.json' ? '.' : path.slice(0, -'/package.json'.length)] = major;
    }
    return out;
  },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    const modern = (versionFor(ctx.prepared, ctx.file.path) ?? 0) >= 9;
    const server = !clientCode(ctx.file.path, ctx.file.text);
    const noAlgorithms = (node: ts.Node): void => {
      ctx.report({ messageId: 'noAlgorithms', node, ...(modern ? { severity: 'low' as const } : { severity: 'medium' as const }) });
    };
    const checkOptions = (options: ts.Expression | undefined, at: ts.Node): void => {
      if (!options) return noAlgorithms(at);
      const o = unwrap(options);
      if (ts.isFunctionLike(o)) return noAlgorithms(at);
      if (!ts.isObjectLiteralExpression(o) || hasSpread(o)) return;
      const none = allowsNone(o);
      if (none) ctx.report({ messageId: 'none', node: none, severity: 'critical' });
      else if (!objectProperty(o, 'algorithms')) noAlgorithms(at);
    };
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const member = callOf(call, imports, /^jsonwebtoken$/);
        if (member === 'verify') {
          checkOptions(call.arguments[2], call);
          return;
        }
        const decoder = callOf(call, imports, decodeModules);
        const isDecode =
          (decoder === 'decode' && /^(?:jsonwebtoken|jwt-simple)$/.test(moduleOf(call, imports))) ||
          decoder === 'decodeJwt' ||
          (decoder !== undefined && moduleOf(call, imports) === 'jwt-decode');
        if (!isDecode || !server) return;
        if (moduleOf(call, imports) === 'jwt-simple' && !isNoVerify(call)) return;
        const fn = enclosingFunction(call);
        const body = fn ? fn.getText(source) : source.text;
        if (verifyCall.test(body.replace(call.getText(source), ''))) return;
        if (!usedAsIdentity(call, fn ?? source)) return;
        ctx.report({ messageId: 'decode', node: call, data: { call: call.expression.getText(source) } });
      },
      ObjectLiteralExpression(node) {
        // passport-jwt: new JwtStrategy({ jwtFromRequest, secretOrKey }) / super({ ... }) in a Nest PassportStrategy
        const object = node as ts.ObjectLiteralExpression;
        if (!objectProperty(object, 'jwtFromRequest') || !/secretOrKey/.test(object.getText(source))) return;
        if (hasSpread(object)) return;
        const none = allowsNone(object);
        if (none) ctx.report({ messageId: 'none', node: none, severity: 'critical' });
        else if (!objectProperty(object, 'algorithms')) noAlgorithms(object);
      },
    };
  },
});

function moduleOf(call: ts.CallExpression, imports: ReturnType<typeof importsOf>): string {
  const callee = unwrap(call.expression);
  const base = ts.isPropertyAccessExpression(callee) ? unwrap(callee.expression) : callee;
  return ts.isIdentifier(base) ? (imports.get(base.text)?.specifier ?? '') : '';
}

/** jwt-simple `decode(token, key, true)` skips verification; without the flag it verifies. */
function isNoVerify(call: ts.CallExpression): boolean {
  const flag = call.arguments[2];
  return flag !== undefined && flag.kind === ts.SyntaxKind.TrueKeyword;
}

function usedAsIdentity(call: ts.CallExpression, scope: ts.Node): boolean {
  let holder: ts.Node = call;
  while (ts.isAsExpression(holder.parent) || ts.isParenthesizedExpression(holder.parent) || ts.isNonNullExpression(holder.parent) || ts.isAwaitExpression(holder.parent)) holder = holder.parent;
  const parent = holder.parent;
  if (ts.isPropertyAccessExpression(parent)) return identityUse.test(`.${parent.name.text}`);
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return identityUse.test(`${parent.left.getText()} =`) || /\.(?:user|auth)$/.test(parent.left.getText());
  if (ts.isReturnStatement(parent)) {
    const fn = enclosingFunction(parent);
    const name = fn && 'name' in fn && fn.name ? fn.name.getText() : '';
    return /user|auth|session|identity|principal|claims|current/i.test(name);
  }
  if (!ts.isVariableDeclaration(parent)) return false;
  const names = ts.isIdentifier(parent.name)
    ? [parent.name.text]
    : ts.isObjectBindingPattern(parent.name)
      ? parent.name.elements.map((e) => (e.propertyName ?? e.name).getText())
      : [];
  if (ts.isObjectBindingPattern(parent.name)) return names.some((n) => identityUse.test(`.${n}`));
  const name = names[0];
  if (!name) return false;
  const text = scope.getText();
  const escaped = name.replace(/[$]/g, '\\$');
  return new RegExp(`\\b${escaped}\\??(?:\\.(?:sub|userId|user_id|uid|id|role|roles|email|user|tenantId|orgId|organizationId|permissions|scope|scopes|isAdmin|admin)\\b)`).test(text) ||
    new RegExp(`\\b(?:req|request|ctx\\.state|res\\.locals)\\.(?:user|auth)\\s*=\\s*${escaped}\\b`).test(text);
}
