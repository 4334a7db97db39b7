import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, importsOf, initializerOf, propertyName, nonProductionPath, unwrap } from '../_code/code.js';

/** Libraries whose options carry a JWT signing or verification key. */
const jwtModules = /^(?:jsonwebtoken|jose|@nestjs\/jwt|@fastify\/jwt|fastify-jwt|express-jwt|passport-jwt|koa-jwt|hono\/jwt|next-auth|next-auth\/.*|@auth\/core|jwt-simple|@hapi\/jwt|hapi-auth-jwt2|express-session|cookie-session|iron-session|@fastify\/secure-session|@fastify\/session|@fastify\/cookie)$/;
const keyProperties = /^(?:secret|secretOrKey|secretOrPublicKey|secretOrPrivateKey|privateKey|publicKey|jwtSecret|signingKey|key|secrets|password)$/;

interface Literal {
  node: ts.Node;
  fallback: boolean;
}

/** A literal key: `'s3cret'`, a module constant holding one, or an environment fallback `process.env.X || 'dev-secret'`. */
function literalKey(node: ts.Expression | undefined, depth = 0): Literal | undefined {
  if (!node) return undefined;
  const e = unwrap(node);
  if ((ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) && e.text.length > 0) return { node: e, fallback: false };
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.BarBarToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    const right = literalKey(e.right, depth + 1);
    return right ? { node: right.node, fallback: true } : undefined;
  }
  if (ts.isConditionalExpression(e)) {
    // `NODE_ENV === 'test' ? 'test-secret' : process.env.SECRET` only applies in tests.
    if (/test|development|dev\b|local/i.test(e.condition.getText())) return undefined;
    return literalKey(e.whenTrue, depth + 1) ?? literalKey(e.whenFalse, depth + 1);
  }
  if (ts.isIdentifier(e) && depth < 2) {
    const init = initializerOf(e.text, e);
    return init ? literalKey(init, depth + 1) : undefined;
  }
  // new TextEncoder().encode('secret'), Buffer.from('secret'), createSecretKey(Buffer.from('secret'))
  if (ts.isCallExpression(e) && /(?:^|\.)(?:encode|from|createSecretKey)$/.test(e.expression.getText()) && depth < 3) return literalKey(e.arguments[0], depth + 1);
  return undefined;
}

export default defineRule({
  meta: {
    id: 'jwt-secret-hardcoded',
    category: 'security',
    checklist: 'SEC-4',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      literal:
        'This JWT or session key is written in the source, so everyone with access to the repository (or a leaked copy, or the built bundle) can mint valid tokens for any user. Load it from the environment or a secrets manager, fail at start-up when it is missing, and rotate the exposed key.',
      fallback:
        'This JWT or session key falls back to a literal when the environment variable is missing, so a deployment with a forgotten variable silently signs tokens with a key that is public in the repository. Fail at start-up when the variable is missing instead of falling back.',
    },
    docs: {
      summary: 'JWT signing/verification keys and session secrets given as string literals (directly, through a constant, or as a fallback for a missing environment variable).',
      why: 'Whoever knows an HMAC signing key can issue tokens the service accepts as genuine: any user id, any role. Keys in source code end up in every clone, fork, CI log and container image, and cannot be rotated without a deploy. A literal fallback is the same key in production the day an environment variable is missing.',
      howToFix:
        'Read keys from the environment or a secrets manager and validate configuration at start-up (`const JWT_SECRET = env.JWT_SECRET` with a schema that rejects a missing value). Prefer asymmetric keys (RS256/ES256) so services that only verify never hold the signing key. Rotate any key that was committed.',
      examples: {
        invalid: [
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport const sign = (userId: string) => jwt.sign({ sub: userId }, 'super-secret-key', { expiresIn: '15m' });\n",
          },
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\n\nconst SECRET = process.env.JWT_SECRET || 'dev-secret';\nexport const sign = (userId: string) => jwt.sign({ sub: userId }, SECRET, { expiresIn: '15m' });\n",
          },
        ],
        valid: [
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\nimport { env } from '../env.js';\n\nexport const sign = (userId: string) => jwt.sign({ sub: userId }, env.JWT_SECRET, { algorithm: 'HS256', expiresIn: '15m' });\n",
          },
        ],
      },
      peers: [
        'Semgrep javascript.jsonwebtoken.security.jwt-hardcode, javascript.jose.security.jwt-hardcode, javascript.passport-jwt.security.passport-hardcode, express-jwt-hardcoded-secret, express-session-hardcoded-secret',
        'njsscan hardcoded_jwt_secret, jwt_express_hardcoded, hardcoded_passport_secret',
      ],
      limitations: [
        'Only keys passed to JWT and session libraries are checked (jsonwebtoken, jose, @nestjs/jwt, @fastify/jwt, express-jwt, passport-jwt, koa-jwt, hono/jwt, NextAuth/Auth.js, express-session, iron-session...); other hard-coded secrets are the business of the secret-scanning rules.',
        'Literals chosen only when `NODE_ENV` is `test` or `development` are not reported; test files are skipped.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['jsonwebtoken', 'jose', 'jwt', 'next-auth', '@auth/core', 'session'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    if (![...imports.values()].some((i) => jwtModules.test(i.specifier))) return;
    const seen = new Set<ts.Node>();
    const report = (found: Literal | undefined): void => {
      if (!found || seen.has(found.node)) return;
      seen.add(found.node);
      const literal = found.node;
      const start = literal.getStart(source) + 1;
      const end = literal.getEnd() - 1;
      ctx.report({ messageId: found.fallback ? 'fallback' : 'literal', node: literal, secret: { start, end }, ...(found.fallback ? { confidence: 'medium' as const } : {}) });
    };
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const member = callOf(call, imports, /^(?:jsonwebtoken|jwt-simple|hono\/jwt)$/);
        if (member === 'sign' || member === 'verify' || member === 'encode' || member === 'decode') {
          report(literalKey(call.arguments[member === 'decode' ? 1 : 1]));
          return;
        }
        // jose: new SignJWT(...).sign(key) and jwtVerify(token, key)
        if (callOf(call, imports, /^jose$/) === 'jwtVerify') {
          report(literalKey(call.arguments[1]));
          return;
        }
        if (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'sign' && /new\s+SignJWT\b/.test(call.expression.expression.getText(source))) {
          report(literalKey(call.arguments[0]));
        }
      },
      PropertyAssignment(node) {
        // { secret: '...' } in options of a JWT/session library: JwtModule.register, register(fastifyJwt, ...), expressjwt, NextAuth, session(...)
        const prop = node as ts.PropertyAssignment;
        const name = propertyName(prop.name);
        if (!name || !keyProperties.test(name)) return;
        const found = literalKey(prop.initializer);
        if (!found) return;
        let holder: ts.Node = prop.parent;
        for (let i = 0; i < 4 && holder && !ts.isCallExpression(holder) && !ts.isNewExpression(holder); i++) holder = holder.parent;
        if (!holder || (!ts.isCallExpression(holder) && !ts.isNewExpression(holder))) {
          // export const authOptions: NextAuthOptions = { secret: '...' }
          if (/NextAuth|AuthOptions|JwtModuleOptions|SessionOptions|IronSession/.test(prop.parent.parent.getText(source).slice(0, 200))) report(found);
          return;
        }
        const text = holder.expression.getText(source);
        const base = text.split('.')[0]!;
        const imported = imports.get(base) ?? imports.get(text);
        const args = holder.arguments ?? [];
        const registersJwt = args.some((a) => ts.isIdentifier(a) && jwtModules.test(imports.get(a.text)?.specifier ?? ''));
        if ((imported && jwtModules.test(imported.specifier)) || registersJwt || /^(?:JwtModule|PassportStrategy)\b|^super$/.test(text)) {
          if (name === 'password' && !/session/i.test(imported?.specifier ?? '')) return;
          if (name === 'key' && !(imported && /jwt|session/.test(imported.specifier))) return;
          report(found);
        }
      },
    };
  },
});
