import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, importsOf, initializerOf, nameContext, objectProperty, nonProductionPath, unwrap } from '../_code/code.js';

const fastHashes = /^(?:md4|md5|sha1|sha-1|sha224|sha256|sha-256|sha384|sha512|sha-512|sha3-256|sha3-512|ripemd160|blake2b512|blake2s256)$/i;
/** A value that is a password (not a hash of one, not a token). */
const passwordName = /pass(?:word|wd|phrase)?\b|^pwd$|\bpwd\b|\bpin\b|passcode|credentials?\b/i;
const notPassword = /hash|hashed|digest|salt|token|reset|confirm(?:ation)?Token|otp|key\b|apikey|secret/i;

function passwordLike(node: ts.Expression | undefined): boolean {
  if (!node) return false;
  const e = unwrap(node);
  const text = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? e.getText() : ts.isTemplateExpression(e) || ts.isBinaryExpression(e) ? e.getText() : '';
  if (!text) return false;
  const last = text.split(/[.[\]'"`${}+ ]+/).filter(Boolean);
  return last.some((w) => passwordName.test(w) && !notPassword.test(w));
}

function numberValue(node: ts.Expression | undefined): number | undefined {
  if (!node) return undefined;
  const e = unwrap(node);
  if (ts.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (ts.isIdentifier(e)) {
    const init = initializerOf(e.text, e);
    return init ? numberValue(init) : undefined;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AsteriskToken) {
    const l = numberValue(e.left);
    const r = numberValue(e.right);
    return l !== undefined && r !== undefined ? l * r : undefined;
  }
  return undefined;
}

/** Names a cipher key (`encryptionKey`, `aesKey`, `secret`), not a stored password hash. */
const keyName = /key$|secret$|^(?:iv|cipherKey)$/i;

/** `process.env.X` or `String(process.env.X)`: a server-side secret, never a user's password. */
function serverSecret(node: ts.Expression): boolean {
  const e = unwrap(node);
  if (ts.isCallExpression(e) && e.arguments.length === 1 && /^(?:String|Buffer\.from)$/.test(e.expression.getText())) return serverSecret(e.arguments[0]!);
  return /^process\.env(?:\.\w+|\[.+\])$/.test(e.getText()) || (ts.isNonNullExpression(e) && serverSecret(e.expression));
}

/** `const encryptionKey = createHash('sha256').update(process.env.KEY)`: key derivation, named as a key or fed a server secret. */
function derivesKey(assignedTo: string | undefined, inputs: readonly ts.Expression[]): boolean {
  return (assignedTo !== undefined && keyName.test(assignedTo)) || (inputs.length > 0 && inputs.every(serverSecret));
}

/** `createHash('md5').update(password)`: the `update` calls of a hash chain (or of a variable holding one). */
function hashedInputs(create: ts.CallExpression): ts.Expression[] {
  const inputs: ts.Expression[] = [];
  let top: ts.Node = create;
  while (ts.isPropertyAccessExpression(top.parent) && ts.isCallExpression(top.parent.parent)) {
    if (top.parent.name.text === 'update' && top.parent.parent.arguments[0]) inputs.push(top.parent.parent.arguments[0]);
    top = top.parent.parent;
  }
  // const h = createHash('sha256'); h.update(password)
  if (top === create && ts.isVariableDeclaration(create.parent) && ts.isIdentifier(create.parent.name)) {
    const name = create.parent.name.text;
    const scope = create.parent.parent.parent.parent;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'update' && n.expression.expression.getText() === name && n.arguments[0]) inputs.push(n.arguments[0]);
      ts.forEachChild(n, visit);
    };
    if (scope) visit(scope);
  }
  return inputs;
}

export default defineRule({
  meta: {
    id: 'password-hash-weak',
    category: 'security',
    checklist: 'SEC-5',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      fastHash:
        'A password is hashed with {{algorithm}}, a fast general-purpose hash: a GPU tries billions of guesses per second against a leaked table, so most user passwords fall in hours. Hash passwords with argon2id (`argon2.hash`), scrypt or bcrypt, which are deliberately slow and salted.',
      bcryptCost:
        'bcrypt cost {{cost}} is below 10, so each guess against a leaked hash is {{factor}} times cheaper than at the recommended minimum. Use a cost of at least 10 (12 is common today), or argon2id.',
      pbkdf2Iterations:
        'PBKDF2 with {{iterations}} iterations is far below current guidance (600 000 for SHA-256), so leaked hashes can be cracked quickly. Raise the iteration count, or switch to argon2id or scrypt.',
    },
    docs: {
      summary: 'Passwords hashed with fast hashes (MD5, SHA-1, SHA-256... through `crypto.createHash`, `md5`, crypto-js), bcrypt with a cost below 10, or PBKDF2 with fewer than 100 000 iterations.',
      why: 'Password tables leak. What protects users then is how expensive each guess is: general-purpose hashes are built to be fast, so even salted SHA-256 falls to GPU cracking. Password hashes (argon2id, scrypt, bcrypt, PBKDF2 with enough iterations) are slow and tunable on purpose.',
      howToFix:
        'Use argon2id (`argon2.hash(password)` from `argon2`, or `@node-rs/argon2`) with the library defaults, or bcrypt with a cost of 12. Re-hash existing passwords on the next successful login.',
      examples: {
        invalid: [
          {
            file: 'src/users/passwords.ts',
            code: "import { createHash } from 'node:crypto';\n\nexport function hashPassword(password: string, salt: string) {\n  return createHash('sha256').update(salt + password).digest('hex');\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/users/passwords.ts',
            code: "import argon2 from 'argon2';\n\nexport const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });\n",
          },
          {
            file: 'src/users/tokens.ts',
            code: "import { createHash, randomBytes } from 'node:crypto';\n\nexport function newResetToken() {\n  const token = randomBytes(32).toString('hex');\n  return { token, tokenHash: createHash('sha256').update(token).digest('hex') };\n}\n",
            note: 'Hashing random tokens with SHA-256 is fine: they are not guessable like passwords.',
          },
        ],
      },
      peers: [
        'Semgrep javascript.lang.security.audit.md5-used-as-password',
        'njsscan node_md5 and node_sha1 (any use of the algorithm, not only for passwords)',
        'eslint-plugin-security: no equivalent rule',
      ],
      limitations: [
        'A fast hash is reported when what it hashes (or where the result goes) is named like a password (`password`, `pwd`, `passphrase`, `user.password = ...`); a password under another name is not seen.',
        'Inside a password helper, a fast hash assigned to a key-named variable (`encryptionKey`, `secret`) or fed only `process.env` values derives a cipher key and is not reported; hashing the password value itself always is.',
        'Costs and iteration counts computed at run time are not judged. Fast hashes are reported with high severity, a low bcrypt cost or PBKDF2 iteration count with medium severity.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['createHash', 'md5', 'sha1', 'sha256', 'MD5', 'SHA1', 'SHA256', 'bcrypt', 'pbkdf2', 'hashSync', 'genSalt'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
        // crypto.createHash('md5').update(password)
        if (name === 'createHash') {
          const alg = call.arguments[0];
          if (!alg || !ts.isStringLiteralLike(alg) || !fastHashes.test(alg.text)) return;
          const inputs = hashedInputs(call);
          const names = nameContext(call);
          const target = names.join(' ');
          // The input is a password, or the result is stored as one (`user.passwordHash = ...`), but not a reset token,
          // and not a cipher key derived from a server secret inside an encrypt/decrypt helper.
          if (inputs.some((i) => passwordLike(i)) || (/pass(?:word|wd|phrase)|\bpwd/i.test(target) && !/token|reset|otp|code|link|nonce/i.test(target) && !derivesKey(names[0], inputs))) {
            ctx.report({ messageId: 'fastHash', node: call, data: { algorithm: alg.text.toUpperCase() } });
          }
          return;
        }
        // md5(password), sha256(password), CryptoJS.SHA256(password)
        const fast = /^(?:md5|sha1|sha256|sha512|MD5|SHA1|SHA256|SHA512|SHA3)$/.exec(name)?.[0];
        if (fast && call.arguments.length >= 1 && passwordLike(call.arguments[0])) {
          const module = ts.isIdentifier(callee) ? imports.get(callee.text)?.specifier : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? imports.get(callee.expression.text)?.specifier : undefined;
          if (module !== undefined && !/^(?:md5|sha1|sha256|js-sha256|js-sha1|js-sha512|crypto-js|crypto-js\/.*|blueimp-md5|md5-hex|hash\.js|object-hash|spark-md5)$/.test(module)) return;
          ctx.report({ messageId: 'fastHash', node: call, data: { algorithm: fast.toUpperCase() } });
          return;
        }
        // bcrypt.hash(password, 8), bcrypt.genSalt(6), bcrypt.hashSync(password, 4)
        const bcrypt = callOf(call, imports, /^(?:bcrypt|bcryptjs|bcrypt-nodejs|@node-rs\/bcrypt)$/);
        if (bcrypt) {
          const costArg = bcrypt === 'genSalt' || bcrypt === 'genSaltSync' ? call.arguments[0] : bcrypt === 'hash' || bcrypt === 'hashSync' ? call.arguments[1] : undefined;
          const cost = numberValue(costArg);
          if (cost !== undefined && cost < 10) ctx.report({ messageId: 'bcryptCost', node: costArg!, data: { cost, factor: 2 ** (10 - cost) }, severity: 'medium' });
          return;
        }
        // crypto.pbkdf2(password, salt, 1000, 64, 'sha512')
        if (name === 'pbkdf2' || name === 'pbkdf2Sync') {
          const iterations = numberValue(call.arguments[2]);
          if (iterations !== undefined && iterations < 100_000) ctx.report({ messageId: 'pbkdf2Iterations', node: call.arguments[2]!, data: { iterations }, severity: 'medium' });
          return;
        }
        // crypto.subtle.deriveBits({ name: 'PBKDF2', iterations: 1000 }, ...)
        if (name === 'deriveBits' || name === 'deriveKey') {
          const algo = call.arguments[0] && unwrap(call.arguments[0]);
          if (!algo || !ts.isObjectLiteralExpression(algo) || !/PBKDF2/i.test(algo.getText())) return;
          const it = objectProperty(algo, 'iterations');
          const iterations = numberValue(it);
          if (iterations !== undefined && iterations < 100_000) ctx.report({ messageId: 'pbkdf2Iterations', node: it!, data: { iterations }, severity: 'medium' });
        }
      },
    };
  },
});
