import { defineRule } from '../../../src/core/define-rule.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { PackageManifest, RepoModel } from '../../../src/audit/model.js';
import { knownPublicValues } from '../hardcoded-secret/values.js';

/** Name parts that mark an env file as a committed template rather than a real configuration. */
const templateParts = new Set(['example', 'examples', 'sample', 'template', 'tmpl', 'tpl', 'dist', 'default', 'defaults', 'schema', 'test', 'testing', 'ci', 'e2e', 'spec', 'mock', 'stub']);
/** Encrypted env files (dotenv-vault, sops, age, gpg) are meant to be committed. */
const encryptedParts = new Set(['vault', 'enc', 'encrypted', 'gpg', 'age', 'sops', 'asc']);

/** Folders whose env files are fixtures, examples or test data, not a deployment's configuration. */
const scaffolding =
  /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|testdata|templates?|boilerplates?|starters?|playgrounds?|sandbox(?:es)?|demos?|__tests__|__mocks__|tests?|e2e|cypress|playwright|docs?)\//;
const testOrScript =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|spec|e2e|cypress|playwright|fixtures?|__fixtures__|testing|scripts?|bin|tools)\/|\.(?:test|spec|e2e|stories|cy)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$/;

/** Packages that load `.env` files for the application. */
const dotenvLoaders = ['dotenv', 'dotenv-flow', 'dotenv-expand', 'dotenv-safe', 'dotenv-cli', '@dotenvx/dotenvx', 'env-cmd', '@nestjs/config', 'dotenv-webpack', '@next/env'];
/** Frameworks that load `.env` files themselves and keep secrets in the ignored `.env.local` / `.env.*.local`. */
const localConvention = ['next', 'vite', 'react-scripts', 'nuxt', 'astro', '@sveltejs/kit', 'gatsby', 'expo', '@remix-run/dev', '@react-router/dev', 'dotenv-flow', '@angular/core'];

/** Variables set by the runtime, the shell, CI or the hosting platform: nobody documents them in `.env.example`. */
const ambient = new Set([
  'NODE_ENV', 'NODE_OPTIONS', 'CI', 'DEBUG', 'HOME', 'PATH', 'PWD', 'SHELL', 'USER', 'USERNAME', 'TERM', 'TMPDIR', 'TEMP', 'TMP', 'TZ',
  'LANG', 'LC_ALL', 'PORT', 'HOST', 'HOSTNAME', 'FORCE_COLOR', 'NO_COLOR', 'ANALYZE', 'BABEL_ENV', 'BROWSER', 'EDITOR', 'SKIP_ENV_VALIDATION',
  'JEST_WORKER_ID', 'VITEST', 'VITEST_POOL_ID', 'NEXT_RUNTIME', 'NEXT_PHASE', 'MODE', 'DEV', 'PROD', 'SSR', 'BASE_URL', 'K_SERVICE', 'APPDATA',
  'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'COMSPEC', 'SYSTEMROOT', 'WINDIR', 'PROGRAMFILES', 'LOCALAPPDATA', 'INIT_CWD', 'DYNO', 'RENDER',
]);
const ambientPrefix = /^(?:npm_|NODE_|VERCEL|NETLIFY|GITHUB_|RUNNER_|CI_|GITLAB_|CIRCLE|BUILDKITE|TRAVIS|JENKINS|TURBO_|NX_|__|RAILWAY_|FLY_|HEROKU_|RENDER_|AWS_LAMBDA_|LAMBDA_|KUBERNETES_|CF_PAGES|VITE_USER_NODE_ENV|npm_config_)/;

/** Prefixes a framework inlines into browser bundles: such values are public by design. */
const publicPrefix = /^(?:NEXT_PUBLIC_|VITE_|REACT_APP_|EXPO_PUBLIC_|PUBLIC_|NUXT_PUBLIC_|GATSBY_|VUE_APP_|NG_APP_)/;
const secretKey = /(?:SECRET|PASSWORD|PASSWD|PASSPHRASE|(?:^|_)PASS$|(?:^|_)PWD$|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|SIGNING_?KEY|ENCRYPTION_?KEY|(?:^|_)SALT$|(?:^|_)DSN$|(?:^|_)KEY$)/i;
const notSecretKey = /(?:PUBLIC|PUBLISHABLE|SITE_?KEY|_ID$|_URL$|_NAME$|_PATH$|_FILE$|_EXPIRES?(?:_IN)?$|_TTL$|_LENGTH$|_ALGORITHM$|_HEADER$|_PREFIX$|_ENABLED$|_TYPE$)/i;
/** Token formats whose shape alone proves a real credential. */
const knownToken =
  /^(?:sk_live_|rk_live_|sk-[A-Za-z0-9_-]{20,}|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abprs]-|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|SG\.[\w-]{16,}|-----BEGIN|npm_[A-Za-z0-9]{30,})/;
const credentialUrl = /^[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:([^@\s]+)@/i;
const placeholderValue =
  /^(?:|<.*>|\[.*\]|\{\{.*\}\}|\$\{.*\}|\$[A-Z_]+|x+|X+|\*+|\.+|-+|_+|#+|0+|null|none|nil|undefined|true|false|todo|tbd|changeme|change[-_ ]?me.*|replace.*|insert.*|enter.*|fill.*|put.*here|set[-_ ]?me|your.*|my[-_]?(?:secret|password|key|token).*|.*placeholder.*|.*example.*|.*dummy.*|.*fake.*|.*sample.*|.*xxxx.*|secret|password|pass|token|key|test|testing|dev|development|local|localhost)$/i;

/** Keys of test and demo accounts: their committed values are fixtures, not credentials. */
const testKey = /(?:^|_)(?:TEST|TESTING|E2E|DEMO|EXAMPLE|SAMPLE|MOCK|FAKE|DUMMY|SEED)(?:_|$)/i;
/** Random credentials contain no dictionary words; values that do are readable placeholders (`test_Password123`). */
const wordy = /test|demo|example|sample|dummy|fake|passw|secret|change|local|placeholder|your|xxx|abc|123456|qwerty|letmein|admin/i;

interface EnvEntry {
  key: string;
  value: string;
  line: number;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function join2(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

function within(dir: string, path: string): boolean {
  return dir === '.' || path === dir || path.startsWith(`${dir}/`);
}

type EnvKind = 'real' | 'local' | 'template' | 'keys';

/** Classifies `.env`, `.env.production`, `.env.local`, `.env.example`, `app.env`...; undefined for other files. */
function envKind(path: string): EnvKind | undefined {
  const name = baseName(path).toLowerCase();
  let parts: string[];
  if (name === '.env') parts = [];
  else if (name.startsWith('.env.')) parts = name.slice(5).split('.');
  else if (name.endsWith('.env') && !name.startsWith('.')) parts = name.slice(0, -4).split(/[.-]/);
  else return undefined;
  if (parts.some((p) => encryptedParts.has(p))) return undefined;
  if (parts.includes('keys') || parts.includes('me')) return 'keys';
  if (parts.some((p) => templateParts.has(p)) || scaffolding.test(path)) return 'template';
  if (parts.includes('local')) return 'local';
  return 'real';
}

/** `.env.example`, `.env.sample`, `example.env`, `env-example-relational`, `.env.production.template`... */
function isTemplateName(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return /env/.test(name) && /(?:example|sample|template|tmpl|tpl|dist|defaults?|schema)/.test(name) && !/\.(?:[cm]?[jt]sx?|md|mdx|html?)$/.test(name);
}

function parseEnv(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    let value = m[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.indexOf(quote, 1) > 0) value = value.slice(1, value.indexOf(quote, 1));
    else value = value.replace(/\s+#.*$/, '');
    entries.push({ key: m[1]!, value, line: i + 1 });
  }
  return entries;
}

const localHost = /^(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal)(?:[:/?]|$)/i;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Template slots, and values vendors publish as examples or fixed development defaults (the SEC-1 list). */
function isPlaceholder(value: string): boolean {
  const trimmed = value.trim();
  return placeholderValue.test(trimmed) || knownPublicValues.has(trimmed);
}

/** A value that is plausibly a real credential, judged loosely (for files that are not templates). */
function secretLike(entry: EnvEntry): boolean {
  if (isPlaceholder(entry.value)) return false;
  if (knownToken.test(entry.value)) return true;
  const url = credentialUrl.exec(entry.value);
  // A password for a database on the developer's own machine protects nothing worth leaking.
  if (url) return !localHost.test(entry.value.slice(url[0].length)) && !isPlaceholder(safeDecode(url[1]!).replace(/^\$\{?\w+\}?$/, ''));
  return !publicPrefix.test(entry.key) && secretKey.test(entry.key) && !notSecretKey.test(entry.key) && entry.value.length >= 4;
}

/** A value that looks like a real, random credential, judged strictly (for templates, which hold placeholders). */
function realSecret(entry: EnvEntry): boolean {
  if (isPlaceholder(entry.value)) return false;
  if (knownToken.test(entry.value)) return true;
  if (publicPrefix.test(entry.key) || testKey.test(entry.key)) return false;
  const url = credentialUrl.exec(entry.value);
  const candidate = url ? url[1]! : secretKey.test(entry.key) && !notSecretKey.test(entry.key) ? entry.value : '';
  if (candidate.length < 16 || isPlaceholder(candidate) || /^\$\{?\w+\}?$/.test(candidate) || wordy.test(candidate)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(candidate)).length;
  return classes >= 3 || (/^[0-9a-f]{32,}$/i.test(candidate) && !/^(.)\1+$/.test(candidate));
}

interface Unit {
  dir: string;
  manifest: PackageManifest | undefined;
  dependencies: Set<string>;
  /** Env variables the unit's own code reads (ambient ones left out), with the first place each is read. */
  reads: Map<string, { path: string; line: number }>;
}

function dependenciesOf(manifest: PackageManifest | undefined): Set<string> {
  return new Set(
    [manifest?.dependencies, manifest?.devDependencies, manifest?.optionalDependencies].flatMap((d) => (d && typeof d === 'object' ? Object.keys(d) : [])),
  );
}

/** Published libraries and CLIs read the environment of whoever runs them; they ship no `.env`. */
function isLibrary(manifest: PackageManifest | undefined): boolean {
  if (!manifest) return false;
  return manifest.bin !== undefined || manifest.publishConfig !== undefined || (manifest.private !== true && (manifest.exports !== undefined || Array.isArray(manifest.files)));
}

const readPatterns = [
  /\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /\bprocess\.env\[\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\]/g,
  /\bimport\.meta\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /\bBun\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /\bDeno\.env\.get\(\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]/g,
];
const envWord = new KeywordSet(['.env']);
const destructure = /\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*(?:process\.env|import\.meta\.env)\b/g;

/** Line numbers of offsets given in ascending order: each call counts only the newlines since the previous one. */
function lineCounter(text: string): (offset: number) => number {
  let line = 1;
  let from = 0;
  return (offset) => {
    for (let nl = text.indexOf('\n', from); nl !== -1 && nl < offset; nl = text.indexOf('\n', from)) {
      line++;
      from = nl + 1;
    }
    return line;
  };
}

function envReads(text: string): Array<{ name: string; offset: number }> {
  const out: Array<{ name: string; offset: number }> = [];
  for (const re of readPatterns) for (const m of text.matchAll(re)) out.push({ name: m[1]!, offset: m.index });
  for (const m of text.matchAll(destructure)) {
    for (const part of m[1]!.split(',')) {
      const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part)?.[1];
      if (name) out.push({ name, offset: m.index });
    }
  }
  return out.filter((r) => !ambient.has(r.name) && !ambientPrefix.test(r.name)).sort((a, b) => a.offset - b.offset);
}

/** One unit per package.json outside scaffolding; every source file belongs to the nearest one above it. */
function units(model: RepoModel): Unit[] {
  const dirs = new Set(['.']);
  for (const { path } of model.manifests()) if (!scaffolding.test(path)) dirs.add(dirOf(path));
  const byDir = new Map<string, Unit>();
  for (const dir of dirs) {
    const manifest = model.json<PackageManifest>(join2(dir, 'package.json'));
    byDir.set(dir, { dir, manifest, dependencies: dependenciesOf(manifest), reads: new Map() });
  }
  const nearest = (path: string): Unit => {
    let dir = dirOf(path);
    for (;;) {
      const unit = byDir.get(dir);
      if (unit) return unit;
      dir = dirOf(dir);
    }
  };
  for (const file of model.ofLanguage('ts')) {
    if (testOrScript.test(file.path) || scaffolding.test(file.path)) continue;
    // Every form contains `.env`: the bytes rule out most files before anything decodes them.
    if (!model.mentions(file.path, envWord)) continue;
    const text = model.text(file.path);
    if (!text || !/process\.env|import\.meta\.env|Bun\.env|Deno\.env/.test(text)) continue;
    const unit = nearest(file.path);
    const lineAt = lineCounter(text);
    for (const read of envReads(text)) if (!unit.reads.has(read.name)) unit.reads.set(read.name, { path: file.path, line: lineAt(read.offset) });
  }
  return [...byDir.values()];
}

/** The .gitignore that governs `dir`: its own, or the nearest one above it. */
function governingIgnoreFile(model: RepoModel, dir: string): string | undefined {
  let current = dir;
  for (;;) {
    const path = join2(current, '.gitignore');
    if (model.has(path)) return path;
    if (current === '.') return undefined;
    current = dirOf(current);
  }
}

/**
 * `JWT_SECRET (line 6)`. Findings about an env file's values name keys and lines but point at the file, not a line:
 * a snippet of an env file is a block of values, and a report masks only one secret per finding.
 */
function keyAtLine(entry: EnvEntry): string {
  return `${entry.key} (line ${entry.line})`;
}

function listNames(names: readonly string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

export default defineRule({
  meta: {
    id: 'env-file-committed',
    category: 'security',
    checklist: 'SEC-2',
    severity: 'high',
    confidence: 'high',
    stability: 'stable',
    messages: {
      committed:
        '{{file}} is committed with values for {{keys}}, so every clone, fork and CI log of this repository holds those secrets. Rotate them, remove the file from git (`git rm --cached`), ignore it and commit a `.env.example` with placeholders instead.',
      committedTracked:
        '{{file}} is committed to the repository; it holds no secret-looking value today, but a tracked file stays tracked, so every secret later added to it is committed too. Remove it from git (`git rm --cached`), add it to .gitignore and document the variables in `.env.example`.',
      committedIgnored:
        '{{file}} is listed in .gitignore but still tracked by git (it was committed before the ignore entry), so every change to it, secrets included, keeps being committed. Run `git rm --cached {{file}}`, rotate what it held and keep only `.env.example` in git.',
      templateSecret:
        '{{file}} is a template, but the value of {{keys}} looks like a real credential, so the secret is public to everyone who can read the repository. Rotate it and replace the value with a placeholder.',
      notIgnored:
        'This project reads its configuration from environment variables, but .gitignore does not ignore `.env`, so a developer\'s local secrets are one `git add .` away from the repository. Add `.env` and `.env*.local` to .gitignore.',
      noExample:
        'The code reads {{vars}} from the environment, but no `.env.example` (or `.env.sample` / `.env.template`) documents them, so a new environment is set up by guesswork and a missing secret surfaces only at run time. Commit a `.env.example` listing every variable with a placeholder.',
    },
    docs: {
      summary: 'A `.env` file is committed, `.env` is not gitignored, or the environment variables the code reads are not documented in a `.env.example`.',
      why: 'Committed env files are the most common way database passwords and API keys leak: git history keeps them forever and every fork copies them. An ignore entry prevents the accident; a `.env.example` makes the set of required variables explicit, so deployments and new developers do not run with a missing secret.',
      howToFix:
        'Keep real values out of git: add `.env` and `.env*.local` to .gitignore, remove committed env files with `git rm --cached` and rotate any secret they held, and commit a `.env.example` that lists every variable with a placeholder value.',
      examples: {
        invalid: [
          {
            file: '.env',
            code: 'DATABASE_URL=postgres://app:Sup3rS3cret@db.internal:5432/app\nJWT_SECRET=9f8e7d6c5b4a39281706\n',
            context: { '.env.example': 'DATABASE_URL=\nJWT_SECRET=\n' },
            note: 'Committed with real values. With git, a tracked `.env` is reported even when .gitignore lists it.',
          },
          {
            file: '.gitignore',
            code: 'node_modules/\ndist/\n',
            context: {
              'package.json': '{ "name": "api", "private": true, "dependencies": { "dotenv": "^16.4.0" } }\n',
              'src/config.ts': "export const databaseUrl = process.env.DATABASE_URL;\n",
              '.env.example': 'DATABASE_URL=postgres://user:password@localhost:5432/app\n',
            },
            note: '`.env` is not ignored although the code reads environment variables.',
          },
          {
            file: 'src/config.ts',
            code: "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  stripeKey: process.env.STRIPE_SECRET_KEY,\n};\n",
            context: { '.gitignore': '.env\n' },
            note: 'No `.env.example` documents the variables.',
          },
        ],
        valid: [
          {
            file: 'src/config.ts',
            code: "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  stripeKey: process.env.STRIPE_SECRET_KEY,\n};\n",
            context: { '.gitignore': '.env\n.env*.local\n', '.env.example': 'DATABASE_URL=postgres://user:password@localhost:5432/app\nSTRIPE_SECRET_KEY=sk_test_replace_me\n' },
          },
        ],
      },
      peers: [
        'secretlint @secretlint/secretlint-rule-no-dotenv (committed `.env` files)',
        'secretlint @secretlint/secretlint-rule-preset-recommend, gitleaks, trufflehog (secret values in files and history)',
        'dotenv-linter (format of `.env` files); no peer checks the .gitignore entry or the `.env.example`',
      ],
      limitations: [
        'Without git (an exported tree), every env file present is treated as committed; with git, only tracked files are, and an ignored-but-tracked file is found through `git ls-files`.',
        'Environment reads are found by text (`process.env.X`, `process.env["X"]`, `import.meta.env.X`, `Bun.env.X`, `Deno.env.get("X")`, destructuring); names computed at run time and reads through a config library are not seen.',
        'Variables set by the runtime, CI or the hosting platform (NODE_ENV, PORT, CI, VERCEL_*, GITHUB_*...) are not expected in `.env.example`.',
        'Framework default files (`.env`, `.env.production`) in Next.js, Vite, Nuxt and similar projects are committed by convention; they are reported only when they hold secret-looking values.',
        'Published libraries and CLIs (a `bin`, `files` or `publishConfig` in package.json) are not asked for `.env` handling.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const { model } = ctx;
    const tracked = await model.tracked();
    const allUnits = units(model);
    const unitOf = (path: string): Unit => allUnits.filter((u) => within(u.dir, path)).sort((a, b) => b.dir.length - a.dir.length)[0]!;

    // (a) Env files in the repository.
    for (const file of model.files) {
      const kind = envKind(file.path);
      if (!kind) continue;
      // With git, a present but untracked file is not committed (yet); the ignore check below covers it.
      if (tracked && !tracked.has(file.path)) continue;
      const entries = parseEnv(model.text(file.path) ?? '');
      if (kind === 'template') {
        const leaked = entries.filter(realSecret);
        if (leaked.length > 0) {
          ctx.report({ messageId: 'templateSecret', data: { file: file.path, keys: listNames(leaked.map(keyAtLine)) }, path: file.path });
        }
        continue;
      }
      const secrets = entries.filter(secretLike);
      if (secrets.length > 0 || kind === 'keys') {
        const keys = secrets.length > 0 ? listNames(secrets.map(keyAtLine)) : 'private decryption keys';
        ctx.report({ messageId: 'committed', data: { file: file.path, keys }, path: file.path });
        continue;
      }
      const unit = unitOf(file.path);
      if (kind === 'real' && localConvention.some((d) => unit.dependencies.has(d))) continue;
      if (entries.length === 0) continue;
      ctx.report({ messageId: 'committedTracked', data: { file: file.path }, path: file.path, severity: 'medium', confidence: 'medium' });
    }
    // Tracked although ignored: discovery honours .gitignore, so only git knows these files are committed.
    if (tracked) {
      for (const path of [...tracked].sort()) {
        const kind = envKind(path);
        if (!kind || kind === 'template' || model.has(path) || !model.isGitIgnored(path)) continue;
        ctx.report({ messageId: 'committedIgnored', data: { file: path }, path });
      }
    }

    // (b) and (c): projects configured through the environment.
    // A committed framework default file (`.env`, `.env.production`) documents its variables as well as a template.
    const templates = model.files.filter((f) => isTemplateName(f.path) || envKind(f.path) === 'real');
    const reportedIgnores = new Set<string>();
    for (const unit of allUnits) {
      if (isLibrary(unit.manifest)) continue;
      const loadsDotenv = dotenvLoaders.some((d) => unit.dependencies.has(d));
      if (unit.reads.size === 0 && !loadsDotenv) continue;
      const frameworkLocal = localConvention.some((d) => unit.dependencies.has(d));
      const ignored = model.isGitIgnored(join2(unit.dir, '.env')) || (frameworkLocal && model.isGitIgnored(join2(unit.dir, '.env.local')));
      if (!ignored) {
        const at = governingIgnoreFile(model, unit.dir);
        const key = at ?? `(package ${unit.dir})`;
        if (!reportedIgnores.has(key)) {
          reportedIgnores.add(key);
          ctx.report({ messageId: 'notIgnored', severity: 'medium', packageDir: unit.dir, ...(at ? { path: at } : {}) });
        }
      }
      if (unit.reads.size === 0) continue;
      const documented = templates.some((t) => within(unit.dir, t.path) || within(dirOf(t.path), unit.dir));
      if (documented) continue;
      const first = [...unit.reads.values()].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line)[0]!;
      ctx.report({
        messageId: 'noExample',
        data: { vars: listNames([...unit.reads.keys()].sort()) },
        path: first.path,
        line: first.line,
        severity: 'low',
        confidence: 'medium',
      });
    }
  },
});
