/**
 * What a candidate secret value looks like: entropy, placeholders, references and well-known public values. Shared by
 * the SEC-1 rules (hardcoded-secret, private-key-committed, credentials-in-url).
 */

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function distinctChars(value: string): number {
  return new Set(value).size;
}

/** Runs of 6+ ascending or descending characters (`abcdef`, `123456`, `987654`) mark typed-by-hand values. */
function hasSequence(value: string, run = 6): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < value.length; i++) {
    const d = value.charCodeAt(i) - value.charCodeAt(i - 1);
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (up >= run || down >= run) return true;
  }
  return false;
}

/** Words that make a value a documented example or a template slot rather than a credential. */
const placeholderWords =
  /example|sample|dummy|fake|placeholder|changeme|change[_-]?me|replace[_-]?(?:me|with|this)|redacted|insert|your[_-]?|my[_-]?(?:api|secret|token|key|pass)|xxxx|\*\*\*|\.\.\.|<[^>]*>|\[[A-Za-z _-]+\]|todo|tbd|fixme|notreal|not[_-]real|invalid|lorem|foobar|testtoken|testkey|testsecret|test[_-]?password|secret[_-]?here|token[_-]?here|key[_-]?here|here[_-]?goes/i;

/** Template syntax and references: `${VAR}`, `{{ .Values.x }}`, `%(name)s`, `$(cat f)`, `#{x}`, `<%= %>`. */
const templateSyntax = /\$\{|\{\{|\}\}|%\(|\$\(|#\{|<%|%>|^\$[A-Za-z_]|^%[A-Za-z_]+%$|^@[A-Za-z_]|\{[A-Za-z_]+\}/;

/**
 * Whether a candidate secret (the part after any fixed provider prefix) is a placeholder, a documented example or
 * typed by hand: example words, template syntax, repeated or sequential characters, too few distinct characters.
 */
export function isPlaceholder(body: string): boolean {
  if (placeholderWords.test(body) || templateSyntax.test(body)) return true;
  // A regular-expression wildcard: the pattern of a sed or grep command that edits the key, not its value.
  if (/\.[*+]/.test(body)) return true;
  if (/(.)\1{5,}/.test(body)) return true;
  if (/(..)\1{3,}/.test(body)) return true;
  if (hasSequence(body)) return true;
  const minDistinct = Math.min(10, Math.max(4, Math.floor(body.length / 4)));
  return distinctChars(body) < minDistinct;
}

/** Values published by vendors as documentation examples or well-known development defaults. */
export const knownPublicValues = new Set([
  // AWS documentation
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  // Azurite / Azure Storage Emulator development account key (public by design)
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  // digests of the empty string
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'd41d8cd98f00b204e9800998ecf8427e',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  // jwt.io's example signing secret
  'your-256-bit-secret',
  // the Algolia search-only key in Yarn's documentation site
  '6fe4476ee5a1832882e326b506d14126',
]);

/** Passwords people type for local databases and demos; committed as such they protect nothing. */
export const devPasswords = new Set([
  'password', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'pass', 'pass123', 'password1', 'password123', 'password!', 'secret', 'secret123', 'secrets',
  'changeme', 'changeit', 'admin', 'admin123', 'administrator', 'root', 'toor', 'test', 'test123', 'testing', 'tester', 'guest', 'user', 'demo',
  'postgres', 'postgresql', 'mysql', 'mariadb', 'redis', 'mongo', 'mongodb', 'rabbitmq', 'rabbit', 'minio', 'minioadmin', 'minio123',
  'keycloak', 'elastic', 'elasticsearch', 'kibana', 'grafana', 'sonar', 'sonarqube', 'jenkins', 'airflow', 'superset', 'odoo', 'metabase',
  'default', 'dev', 'development', 'local', 'localhost', 'docker', 'example', 'qwerty', 'letmein', 'welcome', 'sa', 'oracle', 'mssql',
  '123456', '12345678', '123456789', 'abc123', 'app', 'api', 'db', 'database', 'prisma', 'supabase', 'hasura', 'strapi', 'directus',
  'yourstrong(!)password', 'yourstrongpassword', 'mysecretpassword', 'supersecret', 'super-secret', 'topsecret', 'notsecret', 'insecure',
]);

/** Words whose presence in a human-chosen password marks it as a demo value. */
const demoWords = /passw|secret|admin|test|demo|example|sample|change|default|dummy|local|dev|qwerty|letmein|welcome|guest|root|user|pass|1234|abcd|foo|bar|baz/i;

/** `p4ssw0rd` → `password`: typed variations of the same demo passwords. */
function unleet(value: string): string {
  return value.toLowerCase().replace(/[4@]/g, 'a').replace(/0/g, 'o').replace(/3/g, 'e').replace(/[1!]/g, 'i').replace(/[5$]/g, 's').replace(/7/g, 't');
}

export function isDevPassword(value: string): boolean {
  const lower = value.toLowerCase();
  return devPasswords.has(lower) || devPasswords.has(unleet(value).replace(/i$/, '1')) || demoWords.test(value) || demoWords.test(unleet(value));
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return uuid.test(value);
}

/**
 * Share of the value made of pronounceable word runs (`Agency`, `Identification`): identifiers and phrases are mostly
 * words, machine-generated secrets almost never contain a run of four letters with vowels in it.
 */
export function wordiness(value: string): number {
  let covered = 0;
  for (const m of value.matchAll(/[A-Z]?[a-z]{3,}|[A-Z]{4,}(?![a-z])/g)) {
    const w = m[0].toLowerCase();
    const vowels = w.replace(/[^aeiouy]/g, '').length;
    if (w.length >= 4 && vowels / w.length >= 0.25 && !/[^aeiouy]{4}/.test(w)) covered += w.length;
  }
  return value.length === 0 ? 0 : covered / value.length;
}

/** Character classes present: lower, upper, digit, other. */
export function charClasses(value: string): number {
  let mask = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) mask |= 1;
    else if (c >= 65 && c <= 90) mask |= 2;
    else if (c >= 48 && c <= 57) mask |= 4;
    else mask |= 8;
  }
  return ((mask >> 0) & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + ((mask >> 3) & 1);
}

/**
 * Values that are code or configuration rather than secrets: identifiers, constant names, paths, URLs, e-mail
 * addresses, dotted names, version numbers, dates, numbers, hashes with an algorithm prefix, data URIs.
 */
export function looksLikeNonSecret(value: string): boolean {
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return true; // ENV_VAR_NAME
  if (/^[a-z]+(?:[A-Z][a-z]*)+$/.test(value) || /^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(value)) return true; // camelCase / PascalCase words
  if (/^[a-z][a-z]*(?:[._:/-][a-z]+)+$/i.test(value)) return true; // words joined by separators
  if (/^(?:[a-z][a-z0-9+.-]*:\/\/|www\.|mailto:|data:|file:|\/|\.\.?\/|~\/|[A-Za-z]:\\)/i.test(value)) return true; // URL or path
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(value)) return true; // e-mail
  if (/\.(?:pem|key|crt|cer|p12|pfx|json|ya?ml|txt|env|js|ts|py|rb|go|sh|html?|css|png|svg|jpg|gpg|asc|jks|keystore|conf|cfg|ini|xml|toml|lock|log|md|sql|csv)$/i.test(value)) return true;
  if (/^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(value)) return true; // version
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return true; // date
  if (/^[\d\s.,:+-]+$/.test(value)) return true; // numbers, phone numbers, times
  if (/^(?:sha(?:1|224|256|384|512)|md5|blake2b?)[-:]/i.test(value)) return true; // integrity / digest
  if (/^[a-z-]+\/[a-z0-9.+-]+$/i.test(value)) return true; // MIME type
  if (/^(?:true|false|null|none|nil|undefined|yes|no|on|off)$/i.test(value)) return true;
  // snake_case / kebab-case identifiers with numbers: `0006_require_contenttypes_0002`, `release-2024-q3-hotfix`,
  // `sidebar-width-1.5rem` (storage and cache key names).
  if (/^[a-z0-9]+(?:[_-][a-z0-9]+(?:\.[a-z0-9]+)?){2,}$/.test(value) && wordiness(value) >= 0.25) return true;
  return false;
}
