import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { option } from '../../../src/core/options.js';
import { callOf, hasSpread, importsOf, initializerOf, nameContext, objectProperty, nonProductionPath, unwrap } from '../_code/code.js';

/** Tokens that are not session credentials: refresh tokens rotate, the others are single-purpose links or API keys. */
const notAccessToken = /refresh|remember|reset|recover|verif|confirm|invit|magic|unsubscribe|email|download|share|upload|signed.?url|otp|activation|onboarding|api.?key|apikey|service|webhook|integration|personal.?access|\bpat\b|cron|worker|machine|preview|embed/i;
const units: Record<string, number> = { ms: 1 / 1000, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31557600 };

/** Seconds of a jsonwebtoken `expiresIn` (a number of seconds, or a vercel/ms string; a bare numeric string is milliseconds). */
export function durationSeconds(node: ts.Expression, bareStringUnit: 'ms' | 's' = 'ms'): number | undefined {
  const e = unwrap(node);
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isStringLiteralLike(e)) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|yrs?|years?)?\s*$/i.exec(e.text);
    if (!m) return undefined;
    const unit = (m[2] ?? bareStringUnit).toLowerCase();
    const key = unit.startsWith('ms') || unit.startsWith('milli') ? 'ms' : unit[0]!;
    return Number(m[1]) * (units[key] ?? 1);
  }
  if (ts.isBinaryExpression(e)) {
    const l = durationSeconds(e.left, bareStringUnit);
    const r = durationSeconds(e.right, bareStringUnit);
    if (l === undefined || r === undefined) return undefined;
    if (e.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return l * r;
    if (e.operatorToken.kind === ts.SyntaxKind.PlusToken) return ts.isStringLiteralLike(unwrap(e.left)) || ts.isStringLiteralLike(unwrap(e.right)) ? undefined : l + r;
    if (e.operatorToken.kind === ts.SyntaxKind.MinusToken) return l - r;
  }
  if (ts.isIdentifier(e)) {
    const init = initializerOf(e.text, e);
    return init ? durationSeconds(init, bareStringUnit) : undefined;
  }
  return undefined;
}

function humanize(seconds: number): string {
  if (seconds >= 86400) return `${Math.round((seconds / 86400) * 10) / 10} days`;
  return `${Math.round((seconds / 3600) * 10) / 10} hours`;
}

/** The payload already carries `exp` (or is built elsewhere, where it might). */
function payloadHasExp(payload: ts.Expression | undefined, at: ts.Node): boolean | undefined {
  if (!payload) return false;
  let e = unwrap(payload);
  if (ts.isIdentifier(e)) {
    const init = initializerOf(e.text, at);
    if (!init) return undefined;
    e = unwrap(init);
  }
  if (ts.isObjectLiteralExpression(e)) return hasSpread(e) ? undefined : objectProperty(e, 'exp') !== undefined;
  if (ts.isStringLiteralLike(e) || ts.isTemplateExpression(e)) return false;
  return undefined;
}

/**
 * What the names around a signing call say the token is for: the variable or function it goes to, the key it is signed
 * with (`JWT_REFRESH_SECRET`), and the keys and literal values of its payload and options (`type: 'refresh'`). Values
 * computed from other data (`sub: userFromEmail.id`) say nothing about the token.
 */
function purpose(call: ts.Node): string {
  const parts = nameContext(call);
  const args = ts.isCallExpression(call) || ts.isNewExpression(call) ? (call.arguments ?? []) : [];
  for (const arg of args) {
    const e = unwrap(arg);
    if (ts.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        if (p.name) parts.push(p.name.getText());
        if (ts.isPropertyAssignment(p)) {
          const v = unwrap(p.initializer);
          if (ts.isStringLiteralLike(v)) parts.push(v.text);
          else if (/secret|key/i.test(p.name.getText())) parts.push(v.getText());
        }
      }
    } else if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) parts.push(e.getText().slice(0, 120));
  }
  return parts.join(' ');
}

export default defineRule({
  meta: {
    id: 'jwt-expiry-missing',
    category: 'security',
    checklist: 'SEC-3',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noExpiry:
        'This JWT is signed without an expiry (no `expiresIn`, `exp` claim or `setExpirationTime`), so a stolen token stays valid forever and cannot be revoked short of rotating the key. Give access tokens a lifetime of minutes (`expiresIn: \'15m\'`) and renew them with a rotating refresh token.',
      longExpiry:
        'This access token is valid for {{duration}}: anyone who steals it (logs, browser storage, a proxy) keeps access that long, and stateless JWTs cannot be revoked early. Keep access tokens short (`expiresIn: \'15m\'`) and use a rotating refresh token for long sessions.',
    },
    options: {
      maxAccessTokenHours: option.number('Longest accepted lifetime of an access token, in hours.', 24, { min: 1 }),
    },
    docs: {
      summary: 'JWTs signed without an expiry (jsonwebtoken `sign` without `expiresIn` or `exp`, jose `SignJWT` without `setExpirationTime`) or access tokens valid for more than a day.',
      why: 'A JWT is a bearer credential checked by signature alone: until it expires, it works for whoever holds it, and the server cannot take it back without a revocation list. Tokens without expiry or with month-long lifetimes turn every leak (a log line, XSS, a stolen laptop) into lasting access.',
      howToFix:
        'Sign access tokens with a lifetime of minutes (`jwt.sign(payload, key, { expiresIn: \'15m\' })`, `new SignJWT(claims).setExpirationTime(\'15m\')`, `signOptions: { expiresIn: \'15m\' }`) and keep sessions alive with refresh tokens that are stored server-side, rotated on use and revocable.',
      examples: {
        invalid: [
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function issueToken(user: { id: string; role: string }) {\n  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET!);\n}\n",
          },
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function issueAccessToken(userId: string) {\n  return jwt.sign({ sub: userId }, process.env.JWT_SECRET!, { expiresIn: '30d' });\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/auth/tokens.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function issueTokens(userId: string) {\n  const accessToken = jwt.sign({ sub: userId }, process.env.JWT_SECRET!, { expiresIn: '15m' });\n  const refreshToken = jwt.sign({ sub: userId }, process.env.JWT_REFRESH_SECRET!, { expiresIn: '30d' });\n  return { accessToken, refreshToken };\n}\n",
            note: 'Refresh, password-reset, e-mail verification and similar single-purpose tokens may live longer.',
          },
        ],
      },
      peers: ['Semgrep and njsscan: no rule for JWT lifetimes (their JWT rules cover hard-coded secrets and `none`)', 'eslint-plugin-security and @microsoft/eslint-plugin-sdl: no equivalent rule'],
      limitations: [
        'Lifetimes computed at run time (`expiresIn: config.jwt.ttl`) and payloads built elsewhere are not judged.',
        'Tokens without expiry are reported with high severity, access tokens living longer than `maxAccessTokenHours` with medium severity.',
        'A token is taken for a refresh or single-purpose token when the names around it say so (`refreshToken`, `generateResetToken`, `JWT_REFRESH_SECRET`, `type: \'refresh\'`); such tokens are only reported when they never expire.',
        'Default lifetimes configured on `@nestjs/jwt` / `@fastify/jwt` registration are checked for length only; a registration without a default is not reported (each `sign` call may pass one).',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['jsonwebtoken', 'SignJWT', 'expiresIn', 'setExpirationTime'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    const maxSeconds = ctx.options.maxAccessTokenHours * 3600;
    const reported = new Set<ts.Node>();
    const checkLong = (value: ts.Expression, at: ts.Node, context: string, bare: 'ms' | 's' = 'ms'): void => {
      const seconds = durationSeconds(value, bare);
      if (seconds === undefined || seconds <= maxSeconds || notAccessToken.test(context) || reported.has(value)) return;
      reported.add(value);
      ctx.report({ messageId: 'longExpiry', node: at, data: { duration: humanize(seconds) }, severity: 'medium' });
    };
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const member = callOf(call, imports, /^jsonwebtoken$/);
        if (member !== 'sign') return;
        const [payload, , third] = call.arguments;
        const options = third && !ts.isFunctionLike(unwrap(third)) ? unwrap(third) : undefined;
        const context = purpose(call);
        if (options && !ts.isObjectLiteralExpression(options)) return;
        const expiresIn = options ? objectProperty(options, 'expiresIn') : undefined;
        if (expiresIn) {
          checkLong(expiresIn, expiresIn, context);
          return;
        }
        if (options && hasSpread(options)) return;
        if (payloadHasExp(payload, call) !== false) return;
        if (/api.?key|apikey|personal.?access|service.?account|machine/i.test(context)) return;
        ctx.report({ messageId: 'noExpiry', node: call });
      },
      NewExpression(node) {
        const create = node as ts.NewExpression;
        if (!ts.isIdentifier(create.expression) || create.expression.text !== 'SignJWT') return;
        // Follow the builder chain: new SignJWT(claims).setProtectedHeader(...).setExpirationTime(...).sign(key)
        let top: ts.Node = create;
        const methods = new Map<string, ts.CallExpression>();
        while (ts.isPropertyAccessExpression(top.parent) && ts.isCallExpression(top.parent.parent)) {
          methods.set(top.parent.name.text, top.parent.parent);
          top = top.parent.parent;
        }
        if (!methods.has('sign')) return;
        const context = `${purpose(create)} ${nameContext(top).join(' ')}`;
        const exp = methods.get('setExpirationTime');
        if (exp) {
          const arg = exp.arguments[0];
          // A number is an absolute timestamp; only durations are judged.
          if (arg && ts.isStringLiteralLike(unwrap(arg))) checkLong(arg, arg, context, 's');
          return;
        }
        if (payloadHasExp(create.arguments?.[0], create) !== false) return;
        ctx.report({ messageId: 'noExpiry', node: create });
      },
      PropertyAssignment(node) {
        // Defaults and per-call options: signOptions: { expiresIn }, sign: { expiresIn }, jwtService.sign(p, { expiresIn }).
        const prop = node as ts.PropertyAssignment;
        if (ts.isIdentifier(prop.name) && prop.name.text === 'expiresIn' && ts.isObjectLiteralExpression(prop.parent)) {
          const holder = prop.parent.parent;
          const holderName = ts.isPropertyAssignment(holder) ? holder.name.getText() : ts.isCallExpression(holder) ? holder.expression.getText() : '';
          if (!/^(?:signOptions|sign|jwt)$|\.(?:sign|signAsync|jwtSign)$|^(?:sign|signAsync|jwtSign)$/.test(holderName)) return;
          if (ts.isCallExpression(holder) && callOf(holder, imports, /^jsonwebtoken$/) === 'sign') return;
          checkLong(prop.initializer, prop.initializer, ts.isCallExpression(holder) ? purpose(holder) : `${purpose(prop.parent)} ${holder.getText().slice(0, 300)}`);
        }
      },
    };
  },
});
