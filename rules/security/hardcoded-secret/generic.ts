import type { Confidence } from '../../../src/core/types.js';
import type { Language } from '../../../src/audit/languages.js';
import { isComposeFile, type PathKind } from './paths.js';
import { charClasses, entropy, isDevPassword, isPlaceholder, isUuid, knownPublicValues, looksLikeNonSecret, wordiness } from './values.js';

/** Name fragments that start a look at an assignment (lower-case; matched case-insensitively by the pre-pass). */
export const genericKeywords = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'cred', 'bearer', 'salt'] as const;

type NameClass = 'password' | 'secret';

const passwordWords = new Set(['password', 'passwd', 'passphrase', 'pwd', 'pass', 'pw', 'passcode', 'pword']);
const secretWords = new Set(['secret', 'token', 'apikey', 'credential', 'credentials', 'creds', 'bearer', 'salt', 'authorization', 'privatekey', 'secretkey', 'accesskey', 'authtoken', 'accesstoken', 'refreshtoken']);
/** Words that make `…key` a credential (`apiKey`, `SECRET_KEY`, `stripe_key`); a bare `key` is too common to judge. */
const keyQualifiers = new Set([
  'api', 'access', 'secret', 'private', 'signing', 'sign', 'encryption', 'encrypt', 'decrypt', 'decryption', 'master', 'license', 'licence',
  'app', 'application', 'session', 'account', 'admin', 'auth', 'client', 'consumer', 'service', 'server', 'shared', 'storage', 'webhook',
  'hmac', 'jwt', 'crypto', 'aes', 'cipher', 'enc', 'root', 'subscription', 'integration', 'security', 'partner', 'merchant', 'developer',
  'write', 'live', 'prod', 'production', 'stripe', 'sendgrid', 'mailgun', 'openai', 'anthropic', 'twilio', 'algolia', 'pusher', 'segment',
  'google', 'gemini', 'groq', 'mistral', 'cohere', 'replicate', 'resend', 'postmark', 'brevo', 'mailjet', 'paystack', 'razorpay', 'plaid',
  'braintree', 'paypal', 'github', 'gitlab', 'slack', 'discord', 'telegram', 'datadog', 'sentry', 'newrelic', 'cloudflare', 'vercel',
  'netlify', 'supabase', 'firebase', 'azure', 'aws', 'gcp', 'openrouter', 'pinecone', 'weaviate', 'elevenlabs', 'deepgram', 'assemblyai',
]);
/** Anywhere in the name: the value is public, a form label, a pagination cursor or test data. */
const disqualifiers = new Set([
  'public', 'publishable', 'pub', 'csrf', 'xsrf', 'page', 'cursor', 'continuation', 'next', 'prev', 'site', 'captcha', 'recaptcha', 'hcaptcha',
  'placeholder', 'example', 'sample', 'dummy', 'fake', 'mock', 'test', 'demo', 'confirm', 'confirmation', 'new', 'old', 'forgot', 'reset',
  'current', 'previous', 'nonce', 'sort', 'primary', 'foreign', 'partition', 'idempotency', 'cache', 'i18n', 'translation', 'label', 'aria',
  'hint', 'regex', 'pattern', 'max', 'min', 'tokenizer', 'tokens', 'keys', 'keyboard', 'keycode', 'keypress', 'keydown', 'keyup', 'hotkey',
  'passport', 'bypass', 'compass', 'author', 'authors', 'authority', 'oauth2', 'salted', 'hashed', 'hash', 'encrypted', 'digest', 'authenticity',
]);
/** After the credential word: the name is about the secret (its id, URL, file, length, header…), not the secret. */
const trailingDisqualifiers = new Set([
  'id', 'ids', 'url', 'uri', 'urls', 'endpoint', 'host', 'name', 'names', 'path', 'file', 'filename', 'dir', 'type', 'types', 'kind', 'length',
  'len', 'size', 'count', 'header', 'headers', 'field', 'fields', 'param', 'params', 'prefix', 'suffix', 'format', 'expires', 'expiry',
  'expiration', 'expire', 'expired', 'ttl', 'timeout', 'lifetime', 'duration', 'age', 'label', 'title', 'message', 'msg', 'error', 'errors',
  'text', 'help', 'enabled', 'disabled', 'enable', 'required', 'policy', 'rotation', 'version', 'algorithm', 'alg', 'algo', 'method', 'mode',
  'ref', 'reference', 'arn', 'checksum', 'provider', 'validator', 'validation', 'input', 'strength', 'mask', 'visible', 'show', 'toggle',
  'icon', 'button', 'btn', 'link', 'route', 'env', 'var', 'variable', 'location', 'manager', 'handler', 'getter', 'setter', 'callback',
  'schema', 'column', 'index', 'store', 'storage', 'scope', 'scopes', 'grant', 'issuer', 'audience', 'address', 'port', 'region', 'bucket',
  'generator', 'service', 'client', 'server', 'middleware', 'strategy', 'guard', 'module', 'options', 'settings', 'level', 'limit', 'usage',
  'used', 'encoding', 'status', 'event', 'api', 'factory', 'helper', 'util', 'utils', 'state', 'context', 'request', 'response', 'mapping',
  'key', 'keys', 'source', 'sources', 'vault', 'secret', 'secrets', 'location', 'policy', 'rule', 'rules', 'role', 'user', 'username', 'login',
  'email', 'account', 'hint', 'question', 'answer', 'reminder', 'hash', 'hashed', 'digest', 'salt', 'encrypted', 'sha', 'md5', 'bcrypt',
  'exchange', 'endpoint', 'uri', 'callback', 'type', 'data', 'list', 'map', 'set', 'config', 'cfg', 'conf', 'info', 'meta', 'metadata',
]);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const classified = new Map<string, NameClass | null>();

/** Whether a variable, key or flag name says its value is a credential, and which kind. */
export function classifyName(name: string): NameClass | undefined {
  let cls = classified.get(name);
  if (cls === undefined) {
    cls = classifyWords(name) ?? null;
    if (classified.size > 20_000) classified.clear();
    classified.set(name, cls);
  }
  return cls ?? undefined;
}

function classifyWords(name: string): NameClass | undefined {
  const ws = words(name);
  if (ws.length === 0 || ws.length > 8) return undefined;
  if (ws.some((w) => disqualifiers.has(w))) return undefined;
  let found: { index: number; cls: NameClass } | undefined;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    const prev = ws[i - 1];
    if (passwordWords.has(w)) found = { index: i, cls: 'password' };
    else if (secretWords.has(w)) found = { index: i, cls: 'secret' };
    else if ((w === 'key' || w === 'keys') && prev !== undefined && keyQualifiers.has(prev)) found = { index: i, cls: 'secret' };
    else if (w === 'auth' && i === ws.length - 1) found = { index: i, cls: 'secret' };
  }
  if (!found) return undefined;
  // `TOKEN_URL`, `password_field`, `secret_name`: something about the secret. `SECRET_KEY`, `API_TOKEN` stay.
  for (let i = found.index + 1; i < ws.length; i++) {
    const w = ws[i]!;
    if (w === 'key' || w === 'token' || w === 'secret' || w === 'pass' || w === 'password') continue;
    if (trailingDisqualifiers.has(w)) return undefined;
  }
  return found.cls;
}

/** `[A-Za-z0-9_.$-]` by character code: names are read a character at a time, a regular expression test per character. */
const identCodes = Uint8Array.from({ length: 128 }, (_, c) => (/[A-Za-z0-9_.$-]/.test(String.fromCharCode(c)) ? 1 : 0));
const isIdentAt = (line: string, i: number): boolean => {
  const c = line.charCodeAt(i);
  return c < 128 && identCodes[c] === 1;
};
const configLanguages = new Set<Language>(['env', 'yaml', 'toml', 'dockerfile', 'shell', 'markdown', 'json', 'other']);
/** Source files the language table calls `other`: there an unquoted value is an expression, not a literal. */
const codeExtension = /\.(?:go|java|kt|kts|scala|groovy|gradle|rb|php|cs|fs|vb|swift|rs|c|h|cc|cpp|cxx|hpp|m|mm|dart|lua|pl|pm|r|jl|ex|exs|erl|clj|sol|zig|nim|ml|hs|elm|ps1|psm1)$/i;
const operator = /(?::::=|::=|:=|\?\?=|\|\|=|\?=|\.=|===|!==|==|!=|=>|=|:|,|>)/y;
const typeAnnotation = /(?::[ \t]*)?[A-Za-z_][\w.<>[\]|?]{0,60}[ \t]*=(?![=>])/y;
const xmlValue = /[ \t]*(?:value|content)[ \t]*=[ \t]*/y;

/** Matches a sticky expression at `at` without copying the rest of the line. */
function stickyAt(re: RegExp, line: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(line)?.[0];
}
const publicPrefix = /^(?:pk_(?:live|test)_|pk\.eyJ|NRJS-|pub[_-]|sb_publishable_)/;
const passwordHash = /^\$(?:2[abxy]?|argon2(?:id|i|d)|scrypt|pbkdf2[\w-]*|[156])\$/;
const reference = /^(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv|env\(|ENV\[|Deno\.env|Bun\.env|secrets\.|vars\.|var\.|local\.|data\.|module\.|self\.|this\.|config\.|settings\.|!(?:Ref|Sub|GetAtt|ImportValue)|ref\+|vault:|arn:|projects\/)/;

/** The text a base64 value encodes, when it is printable ASCII; undefined otherwise. */
function decodedText(value: string): string | undefined {
  if (value.length < 8 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined;
}

export interface GenericHit {
  detector: 'generic';
  provider: string;
  kind: string;
  start: number;
  end: number;
  confidence: Confidence;
  severity: 'high';
  name: string;
}

/** How much a literal looks like a real credential for a name of the given class; undefined when it does not. */
export function judgeValue(value: string, cls: NameClass, where: PathKind, compose: boolean, strongName = false): Confidence | undefined {
  const v = value;
  if (v.length < (cls === 'password' ? 8 : 16) || v.length > 600 || /\s/.test(v)) return undefined;
  if (knownPublicValues.has(v) || isPlaceholder(v) || looksLikeNonSecret(v)) return undefined;
  // UUIDs are ids far more often than credentials; only a name that says "API key" or "secret" makes one a secret.
  if (isUuid(v)) return strongName ? 'low' : undefined;
  if (reference.test(v) || publicPrefix.test(v) || passwordHash.test(v)) return undefined;
  // Code and templates (`{base64(user:pass)}`, `getToken()`), and encrypted values (sops `ENC[…]`, jasypt `ENC(…)`).
  if (/[{}()]|\[.*\]|^ENC[[(]/.test(v)) return undefined;
  if (wordiness(v) > 0.6) return undefined;
  // Base64 of readable text (Kubernetes Secret `data:`, Basic auth): judge what it encodes.
  const text = decodedText(v);
  if (text !== undefined && (text.length < 8 || isDevPassword(text) || isPlaceholder(text))) return undefined;
  const e = entropy(v);
  const classes = charClasses(v);
  let confidence: Confidence;
  if (cls === 'password') {
    if (isDevPassword(v) || classes < 2 || e < 2.5) return undefined;
    confidence = v.length >= 12 && classes >= 3 && e >= 3 ? 'medium' : 'low';
  } else {
    if (e < 3) return undefined;
    if (classes < 2 && !/^[a-f0-9]{32,}$/i.test(v) && !(v.length >= 24 && e >= 4)) return undefined;
    // Long hex strings are usually digests or ids unless the name says otherwise; they need the name to carry them.
    confidence = v.length >= 20 && e >= 3.5 ? 'medium' : 'low';
  }
  // Documentation and local stacks: only values that look machine-generated count.
  if ((where === 'docs' || compose) && !(v.length >= 20 && e >= 3.5)) return undefined;
  return confidence;
}

/**
 * Reads `name <op> value` around a secret-like word found at `pos` in `line`: assignments, object and JSON keys,
 * YAML/env/TOML/properties entries, `--flag value`, `<password>…</password>`, `Authorization: Bearer …`.
 */
export function genericAt(line: string, pos: number, language: Language, path: string, where: PathKind): { hit?: GenericHit; next: number } {
  // Names longer than 100 characters are data (base64, minified code), not identifiers; the cap keeps dense lines linear.
  let s = pos;
  while (s > 0 && pos - s < 100 && isIdentAt(line, s - 1)) s--;
  let e = pos;
  while (e < line.length && e - pos < 100 && isIdentAt(line, e)) e++;
  if ((s > 0 && isIdentAt(line, s - 1)) || (e < line.length && isIdentAt(line, e))) return { next: e };
  return { hit: readAssignment(line, s, e, language, path, where), next: e };
}

const localUrl = /[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@?#]*@)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|[\w.-]+\.(?:localhost|local|test|example)|example\.(?:com|org|net))(?::\d+)?[^\s"'`]*$/i;

/** `http://localhost:3000/invite?token=…`: a query value of a URL to a local or example host is a development value. */
function localUrlBefore(line: string, at: number): boolean {
  return localUrl.test(line.slice(Math.max(0, at - 300), at));
}

function readAssignment(line: string, s: number, e: number, language: Language, path: string, where: PathKind): GenericHit | undefined {
  let rawName = line.slice(s, e).replace(/^[$@-]+/, '').replace(/[.-]+$/, '');
  const flag = line.startsWith('--', s) || (line[s] === '-' && line[s - 1] === ' ');
  const segment = rawName.includes('.') ? rawName.slice(rawName.lastIndexOf('.') + 1) : rawName;
  rawName = segment || rawName;
  const cls = classifyName(rawName);
  if (!cls) return undefined;

  const before = line[s - 1];
  // `…?token=…` and `sqlserver://localhost:1433;user=sa;password=…`: parameters of a connection to a local host.
  if ((before === '?' || before === '&' || before === ';') && localUrlBefore(line, s)) return undefined;
  let j = e;
  const quotedKey = before === '"' || before === "'" || before === '`';
  for (let k = 0; k < 2 && j < line.length && /["'`\]]/.test(line[j]!); k++) j++;
  while (line[j] === ' ' || line[j] === '\t') j++;
  // Type annotations: `token: string = "…"` (TypeScript, Python), `var token string = "…"` (Go).
  const typed = stickyAt(typeAnnotation, line, j);
  if (typed && (line[j] === ':' ? language === 'ts' || language === 'python' : language !== 'yaml')) j += typed.length - 1;
  let op = stickyAt(operator, line, j);
  // `setProperty("API_TOKEN", "…")` is an assignment; `("auth", "0006_initial")` is a tuple of words.
  if (op === ',' && (!quotedKey || /^[a-z]+$/.test(rawName))) return undefined;
  // `${DB_PASSWORD:default}` / `${SECRET:-dev}`: a reference with a fallback, not an assignment.
  if (before === '{' && line[s - 2] === '$') return undefined;
  if (op === '>' && before !== '<') return undefined;
  if (op === '==' || op === '===' || op === '!=' || op === '!==') {
    if (language !== 'ts' && language !== 'python' && language !== 'other') return undefined;
  }
  if (op === undefined) {
    // `--password value`, `ENV API_KEY value`, `.netrc`'s `password value`, `<add key="Password" value="…"/>`.
    const xml = stickyAt(xmlValue, line, j);
    if (xml) {
      j += xml.length;
      op = 'attr';
    } else if ((flag || language === 'dockerfile' || /(?:^|\/)[._]?netrc$/.test(path)) && line[j - 1] === ' ') {
      op = ' ';
    } else return undefined;
  } else {
    j += op.length;
  }
  while (line[j] === ' ' || line[j] === '\t') j++;
  if (/[bruf@$]/i.test(line[j] ?? '') && /["']/.test(line[j + 1] ?? '') && line[j] !== '$') j++;

  let vs: number;
  let ve: number;
  const q = line[j];
  const escapedQuote = q === '\\' && (line[j + 1] === '"' || line[j + 1] === "'");
  if (escapedQuote) {
    // Code inside a JSON string (notebook cells, `"command": "export TOKEN=\"…\""`): the quotes are escaped.
    vs = j + 2;
    ve = line.indexOf(`\\${line[j + 1]}`, vs);
    if (ve === -1) return undefined;
  } else if (q === '"' || q === "'" || q === '`') {
    vs = j + 1;
    ve = vs;
    while (ve < line.length && line[ve] !== q) ve += line[ve] === '\\' ? 2 : 1;
    if (ve >= line.length) return undefined;
  } else {
    const config = configLanguages.has(language) && !codeExtension.test(path);
    // Inside a string (`"Server=…;Password=…;"`, `?token=…`) the value is data even in code.
    if (!config && op !== ' ' && !(before === ';' || before === '?' || before === '&')) return undefined;
    vs = j;
    ve = vs;
    while (ve < line.length && !/[\s#;,}\])<"'`\\]/.test(line[ve]!)) ve++;
  }
  let value = line.slice(vs, ve);
  // `Authorization: Bearer <token>` / `Basic <base64>`: the credential is the second word.
  const scheme = /^(?:Bearer|Token|Basic)(\s+)/i.exec(value) ?? (/^(?:Bearer|Token|Basic)$/i.test(value) ? /^(?:Bearer|Token|Basic)/i.exec(value) : null);
  if (scheme) {
    let t = vs + scheme[0].length;
    while (line[t] === ' ') t++;
    let u = t;
    while (u < line.length && !/[\s"'`,;)}\]]/.test(line[u]!)) u++;
    vs = t;
    ve = u;
    value = line.slice(vs, ve);
  }
  if (value.startsWith('!') || value === '|' || value === '>') return undefined;
  if (scheme && /^basic/i.test(scheme[0])) {
    // `Basic <base64(user:password)>`: judge the decoded password.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || !/^[\x20-\x7e]+$/.test(decoded) || !judgeValue(decoded.slice(colon + 1), 'password', where, isComposeFile(path))) return undefined;
  }
  const confidence = judgeValue(value, cls, where, isComposeFile(path), /api[_-]?(?:key|token|secret)|secret|passw|access[_-]?key/i.test(rawName));
  if (!confidence) return undefined;
  return {
    detector: 'generic',
    provider: '',
    kind: cls === 'password' ? 'password' : 'secret',
    start: vs,
    end: ve,
    confidence,
    severity: 'high',
    name: rawName,
  };
}
