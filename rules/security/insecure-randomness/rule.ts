import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { clientCode, nameContext, nonProductionPath } from '../_code/code.js';

/** Values that must be unguessable. */
const secretName = /token|secret|passw(?:or)?d|\bpwd|otp|nonce|session|api.?key|access.?key|secret.?key|private.?key|salt|csrf|xsrf|verif\w*code|reset\w*code|invite\w*code|invitation\w*code|auth\w*code|magic|one.?time|\bpin\b|passcode|credential|recovery.?code|signature|\biv\b/i;
/** A quantity drawn at random (a length, a count): it decides how much, not what, so it needs no unpredictability. */
const quantityName = /^(?:length|len|size|count|amount|times|iterations|rounds|attempts|delay|wait|waitMs|sleepMs|ms)$|(?:Length|Len|Size|Count)$/;
/** Identifiers: guessable or colliding ids are a weaker problem (enumeration, collisions). */
const idName = /(?:^|[^a-z])(?:id|uuid|guid)(?:$|[^a-z])|[a-z](?:Id|ID|Uuid|UUID)\b/;
const harmless = /request.?id|trace.?id|span.?id|correlation.?id|connection.?id|element.?id|dom.?id|html.?id|input.?id|component.?id|\bkey\b|jitter|delay|backoff|retry|timeout|color|colour|sample|shuffle|random.?index|animation|position|offset|temp|tmp|mock|fake|seed|demo|placeholder|\bx\b|\by\b/i;

/** The variable or property the expression containing `node` is assigned to, when that is the statement's direct target. */
function directName(node: ts.Node): string | undefined {
  let n: ts.Node = node;
  while (n.parent && (ts.isBinaryExpression(n.parent) || ts.isCallExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isPrefixUnaryExpression(n.parent) || ts.isPropertyAccessExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && p.initializer === n && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isPropertyAssignment(p) && p.initializer === n) return p.name.getText();
  return undefined;
}

export default defineRule({
  meta: {
    id: 'insecure-randomness',
    category: 'security',
    checklist: 'SEC-14',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      secret:
        '`Math.random()` produces this {{what}}, but it is not cryptographically secure: its output can be predicted from a few observed values, so tokens, codes and secrets made from it can be guessed. Use `crypto.randomBytes(32).toString(\'base64url\')`, `crypto.randomInt` for numeric codes, or `crypto.randomUUID()`.',
      id: '`Math.random()` produces this identifier ({{what}}): such ids collide under load and can be predicted or enumerated. Use `crypto.randomUUID()` (or a UUIDv7 / ULID library built on `crypto`) for identifiers.',
      pseudo:
        '`crypto.pseudoRandomBytes` is not cryptographically strong (and is deprecated), so values made from it can be predicted. Use `crypto.randomBytes` instead.',
    },
    docs: {
      summary: '`Math.random()` used for tokens, secrets, passwords, OTPs, nonces, session ids, salts or other identifiers (judged by the names around it), and `crypto.pseudoRandomBytes`.',
      why: '`Math.random()` is a fast statistical generator (xorshift128+ in V8): after a handful of outputs its state can be recovered and every future value predicted. Password-reset tokens, invitation codes or session ids derived from it can be guessed by an attacker who requests a few of their own.',
      howToFix:
        'Use the `crypto` module: `randomBytes(32).toString(\'base64url\')` for tokens, `randomInt(0, 1_000_000)` for numeric codes, `randomUUID()` for identifiers (`crypto.getRandomValues` in browsers and edge runtimes).',
      examples: {
        invalid: [
          {
            file: 'src/auth/reset.ts',
            code: "export function createResetToken() {\n  return Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);\n}\n",
            note: 'Two calls in one expression are reported once.',
          },
        ],
        valid: [
          {
            file: 'src/auth/reset.ts',
            code: "import { randomBytes } from 'node:crypto';\n\nexport function createResetToken() {\n  return randomBytes(32).toString('base64url');\n}\n",
          },
          {
            file: 'src/jobs/retry.ts',
            code: "export function backoff(attempt: number) {\n  return 2 ** attempt * 100 + Math.random() * 100;\n}\n",
            note: 'Jitter, sampling and shuffling do not need unpredictability.',
          },
        ],
      },
      peers: [
        'njsscan node_insecure_random_generator (every `Math.random`)',
        'eslint-plugin-security detect-pseudoRandomBytes; Semgrep javascript.lang.security.detect-pseudoRandomBytes',
        'CodeQL js/insecure-randomness',
      ],
      limitations: [
        'What a value is for is judged from names only (the variable, property or function it goes to); a token held in a variable named `s` is not seen.',
        'Identifiers (`id`, `uuid`) are reported with low confidence, and only outside browser code: React keys and DOM ids need no unpredictability.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['Math.random', 'pseudoRandomBytes'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const client = clientCode(ctx.file.path, ctx.file.text);
    const reportedStatements = new Set<ts.Node>();
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        if (!ts.isPropertyAccessExpression(callee)) return;
        if (callee.name.text === 'pseudoRandomBytes') {
          ctx.report({ messageId: 'pseudo', node: call });
          return;
        }
        if (callee.name.text !== 'random' || callee.expression.getText() !== 'Math') return;
        const names = nameContext(call, 10);
        const text = names.join(' ');
        if (!text) return;
        // `const length = Math.floor(Math.random() * 41) + 24` inside generatePassword(): the nearest name is what the
        // value is, and a random length does not make the password's characters guessable.
        if (quantityName.test(directName(call) ?? '')) return;
        let statement: ts.Node = call;
        while (statement.parent && !ts.isStatement(statement) && !ts.isSourceFile(statement.parent)) statement = statement.parent;
        if (reportedStatements.has(statement)) return;
        const secret = names.find((n) => secretName.test(n) && !/tokenize|tokens?Count|tokenizer|sessions?Count/i.test(n));
        if (secret) {
          reportedStatements.add(statement);
          ctx.report({ messageId: 'secret', node: call, data: { what: `\`${secret}\`` } });
          return;
        }
        if (client) return;
        const id = names.find((n) => idName.test(n) && !harmless.test(n));
        if (id && !harmless.test(text)) {
          reportedStatements.add(statement);
          ctx.report({ messageId: 'id', node: call, data: { what: `\`${id}\`` }, severity: 'low', confidence: 'low' });
        }
      },
    };
  },
});
