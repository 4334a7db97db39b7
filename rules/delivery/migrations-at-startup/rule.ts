import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { chainInstructions, dockerfilesOf, execFormText, finalChain, startCommand, type Dockerfile } from '../_docker/dockerfiles.js';
import { commandsIn } from '../_pipelines/shell.js';
import { expandCommandLine, expandScript, type Expanded } from '../_pipelines/tasks.js';

/** A command that applies database migrations (or pushes the schema). */
function migrationCommand(argv: readonly string[]): boolean {
  const bin = (argv[0] ?? '').replace(/^.*\//, '');
  const a = argv.slice(1);
  const has = (...w: string[]): boolean => a.some((x) => w.includes(x));
  if (bin === 'prisma') return (a[0] === 'migrate' && ['deploy', 'dev', 'reset'].includes(a[1] ?? '')) || (a[0] === 'db' && a[1] === 'push');
  if (bin === 'drizzle-kit') return a.some((x) => /^(?:migrate|push(?::\w+)?)$/.test(x));
  if (bin === 'knex') return has('migrate:latest', 'migrate:up');
  if (bin === 'sequelize' || bin === 'sequelize-cli') return has('db:migrate');
  if (/^typeorm(?:-ts-node-(?:commonjs|esm))?$/.test(bin)) return has('migration:run');
  if (bin === 'node-pg-migrate' || bin === 'db-migrate' || bin === 'migrate-mongo' || bin === 'goose' || bin === 'dbmate') return has('up', 'migrate');
  if (bin === 'mikro-orm' || bin === 'mikro-orm-esm') return has('migration:up');
  if (bin === 'kysely') return a[0] === 'migrate' && has('latest', 'up');
  if (bin === 'atlas') return (a[0] === 'migrate' && a[1] === 'apply') || (a[0] === 'schema' && a[1] === 'apply');
  if (bin === 'migrate') return has('up') && a.some((x) => x.startsWith('-path') || x.startsWith('-source') || x.startsWith('-database'));
  if (bin === 'flyway') return has('migrate');
  if (bin === 'liquibase') return has('update');
  if (bin === 'alembic') return a[0] === 'upgrade';
  if (/^python[\d.]*$/.test(bin) && /(?:^|\/)manage\.py$/.test(a[0] ?? '')) return /^(?:migrate|locked_migrate|\$\{?\w*migrat\w*\}?)$/i.test(a[1] ?? '');
  if (bin === 'manage.py') return a[0] === 'migrate';
  if (bin === 'rails' || bin === 'rake') return has('db:migrate', 'db:prepare');
  if (bin === 'php' && a[0] === 'artisan') return a[1] === 'migrate';
  if (bin === 'artisan') return a[0] === 'migrate';
  if (bin === 'payload' || bin === 'medusa') return has('migrate', 'db:migrate') || (a[0] === 'migrations' && a[1] === 'run');
  if (bin === 'sqlx') return a[0] === 'migrate' && a[1] === 'run';
  if (bin === 'diesel') return a[0] === 'migration' && a[1] === 'run';
  if (bin === '<task>') return /(?:^|:)(?:migrate|migrations?|db:migrate|migrate:deploy|migration:run)(?::|$)/.test(argv[1] ?? '');
  return false;
}

/** Migration commands run from code (`execSync('prisma migrate deploy')`) and migration APIs called in code. */
const migrationInCode =
  /['"`][^'"`\n]*\b(?:prisma\s+migrate\s+deploy|prisma\s+db\s+push|drizzle-kit\s+(?:migrate|push)|knex\s+migrate:latest|sequelize(?:-cli)?\s+db:migrate|typeorm\s+migration:run|node-pg-migrate\s+up)\b|\brunMigrations\s*\(|\bmigrateToLatest\s*\(|\.migrate\.latest\s*\(|\bmigrationsFolder\s*:|\b(?:umzug|migrator)\.up\s*\(/;

const runtimes = ['node', 'tsx', 'ts-node', 'bun', 'babel-node', 'deno', 'esno', 'jiti'];

/**
 * `node scripts/check-db.js`, also behind a shell function (`run_with_timeout 300 node …`): a script whose name says
 * it migrates (`apply-migrations.js`), or a repository file whose code does. Built output (`dist/…/x.js`) is looked
 * up in its source folder as well.
 */
function migratingScript(model: RepoModel, argv: readonly string[], dirs: readonly string[]): { command: string } | undefined {
  if (['echo', 'printf'].includes(argv[0] ?? '')) return undefined;
  const at = argv.findIndex((a) => runtimes.includes(a.replace(/^.*\//, '')));
  if (at === -1) return undefined;
  const file = argv.slice(at + 1).find((a) => /\.[cm]?[jt]s$/.test(a));
  if (!file) return undefined;
  const command = `${argv[at]!.replace(/^.*\//, '')} ${file}`;
  if (/(?:^|[/_-])(?:apply-?|run-?)?migrat(?:e|ions?)(?:[._-]|$)/i.test(file.replace(/^.*\//, ''))) return { command };
  const relative = file.replace(/^\.\//, '');
  const candidates = [relative, relative.replace(/(?:^|\/)(?:dist|build|out)\//, '/src/').replace(/^\//, '').replace(/\.[cm]?js$/, '.ts')];
  for (const dir of dirs) {
    for (const candidate of candidates) {
      const path = dir === '.' ? candidate : `${dir}/${candidate}`;
      const text = model.text(path);
      // A server file that migrates is reported at the call itself (see codeSites).
      if (text !== undefined && migrationInCode.test(text) && (notAppCode.test(path) || !serverStart.test(text))) return { command: `${command}, whose code migrates` };
    }
  }
  return undefined;
}

/** A migration command, also as the tail of a wrapper the shell reading does not know (`retry 3 npx prisma migrate deploy`). */
function runsMigration(argv: readonly string[]): boolean {
  if (['echo', 'printf', 'log', 'info'].includes(argv[0] ?? '')) return false;
  for (let i = 0; i < argv.length; i++) {
    const tail = argv.slice(i);
    const core = ['npx', 'bunx', 'pnpx'].includes(tail[0] ?? '') ? tail.slice(1).filter((w, j) => j > 0 || !w.startsWith('-')) : tail;
    if (migrationCommand(core)) return true;
  }
  return false;
}

function baseName(path: string): string {
  return path.replace(/\/+$/, '').replace(/^.*\//, '');
}

/**
 * Repository files a COPY/ADD put at `imagePath` (`COPY scripts/docker/next-start.sh /home/app/start.sh`), also
 * through a stage (`COPY --from=build /app/scripts/x.sh …` is looked up by its trailing path in the repository).
 */
function copiedFrom(model: RepoModel, dockerfile: Dockerfile, imagePath: string): string[] {
  const out: string[] = [];
  const dir = dockerfile.path.includes('/') ? dockerfile.path.slice(0, dockerfile.path.lastIndexOf('/') + 1) : '';
  for (const ins of dockerfile.model.instructions) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const words = execFormText(ins.args).split(/\s+/).map((w) => w.replace(/^'|'$/g, ''));
    const dest = words.at(-1) ?? '';
    for (const src of words.slice(0, -1)) {
      const target = dest.endsWith('/') || dest === '.' ? `${dest.replace(/\/?$/, '/')}${baseName(src)}` : words.length > 2 ? `${dest}/${baseName(src)}` : dest;
      const same = target === imagePath || (baseName(target) === baseName(imagePath) && (!imagePath.startsWith('/') || !target.startsWith('/')));
      if (!same) continue;
      const parts = src.replace(/^\.?\//, '').split('/');
      for (let i = 0; i < parts.length; i++) {
        const suffix = parts.slice(i).join('/');
        const found = [suffix, dir + suffix].find((p) => model.has(p));
        if (found) {
          out.push(found);
          break;
        }
      }
    }
  }
  return [...new Set(out)];
}

/**
 * The repository file an entrypoint path in the image refers to: among files with the same name, the one whose path
 * shares the most trailing segments (`/app/backend/docker/entrypoint.sh` → `backend/docker/entrypoint.sh`), then
 * the one nearest to the Dockerfile.
 */
function entrypointScripts(model: RepoModel, imagePath: string, dockerfile: Dockerfile): string[] {
  const copied = copiedFrom(model, dockerfile, imagePath);
  if (copied.length) return copied;
  const segments = imagePath.split('/').filter(Boolean);
  const name = segments.at(-1)!;
  const candidates = model.find((f) => f.path === name || f.path.endsWith(`/${name}`)).map((f) => f.path);
  if (candidates.length <= 1) return candidates;
  const shared = (path: string): number => {
    const parts = path.split('/');
    let n = 0;
    while (n < parts.length && n < segments.length && parts[parts.length - 1 - n] === segments[segments.length - 1 - n]) n++;
    return n;
  };
  const dir = dockerfile.path.includes('/') ? dockerfile.path.slice(0, dockerfile.path.lastIndexOf('/') + 1) : '';
  const score = (path: string): number => shared(path) * 10 + (dir && path.startsWith(dir) ? 5 : 0) - path.split('/').length;
  const best = Math.max(...candidates.map(score));
  return candidates.filter((c) => score(c) === best);
}

function firstMigration(model: RepoModel, expanded: readonly Expanded[], dirs: readonly string[] = ['.']): { command: string; offset: number; end: number } | undefined {
  for (const e of expanded) {
    if (runsMigration(e.argv)) return { command: e.unresolvedTask ?? e.argv.slice(0, 4).join(' '), offset: e.offset, end: e.end };
    const script = migratingScript(model, e.argv, dirs);
    if (script) return { command: script.command, offset: e.offset, end: e.end };
  }
  return undefined;
}

const startScriptNames = /^(?:start|prestart|start:prod(?:uction)?|start:server|serve|prod|production|start:docker|docker:start)$/;
/** Server start-up in the same file: the migration runs when the process boots. */
const serverStart = /\.listen\s*\(|\bcreateServer\s*\(|NestFactory\.create|Bun\.serve\s*\(|\bserve\s*\(\s*\{|\bstartServer\s*\(|\bnew\s+ApolloServer\b|\bhttp\.createServer\b/;
const notAppCode = /(?:^|\/)(?:migrations?|migrate|seeds?|scripts?|bin|tools?|cli|tests?|__tests__|e2e|fixtures?|examples?)(?:\/|\.)|\.(?:test|spec)\.[cm]?[jt]sx?$|(?:^|\/)(?:migrate|seed)[\w.-]*\.[cm]?[jt]s$/i;

/** Offset of a script's key inside package.json text. */
function scriptKeyOffset(text: string, name: string): number {
  const scripts = text.indexOf('"scripts"');
  const at = text.indexOf(`"${name}"`, scripts === -1 ? 0 : scripts);
  return at === -1 ? 0 : at;
}

interface CodeSite {
  path: string;
  start: number;
  end: number;
  what: string;
}

/** Words `keywords` below cannot match without, tested on the bytes before any file is decoded. */
const startupWords = new KeywordSet(['migrationsRun', 'runMigrations', 'migrateToLatest', '.migrate.latest', 'migrationsFolder', 'getMigrator', 'umzug', '.sync', 'prisma', 'drizzle-kit']);

function codeSites(model: RepoModel): CodeSite[] {
  const sites: CodeSite[] = [];
  const keywords = /migrationsRun|runMigrations|migrateToLatest|\.migrate\.latest|migrationsFolder|getMigrator|umzug|\.sync\s*\(\s*\{\s*(?:alter|force)\s*:\s*true|prisma\s+migrate\s+deploy|prisma\s+db\s+push|drizzle-kit\s+(?:migrate|push)/;
  for (const file of model.ofLanguage('ts')) {
    if (notAppCode.test(file.path) || file.path.endsWith('.d.ts') || !model.mentions(file.path, startupWords)) continue;
    const text = model.text(file.path) ?? '';
    if (!keywords.test(text)) continue;
    const isServer = serverStart.test(text);
    const source = model.ts(file.path);
    if (!source) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'migrationsRun' && node.initializer.kind === ts.SyntaxKind.TrueKeyword) {
        sites.push({ path: file.path, start: node.getStart(source), end: node.getEnd(), what: 'TypeORM `migrationsRun: true`' });
      } else if (isServer && ts.isCallExpression(node)) {
        const callee = node.expression.getText(source);
        const args = node.arguments.map((a) => a.getText(source)).join(',');
        const what =
          /(?:^|\.)runMigrations$/.test(callee)
            ? `\`${callee}()\``
            : /(?:^|\.)migrateToLatest$/.test(callee) || /\.migrate\.latest$/.test(callee) || /getMigrator\(\)\.up$/.test(callee)
              ? `\`${callee}()\``
              : /^(?:migrate|\w+\.migrate)$/.test(callee) && /migrationsFolder/.test(args)
                ? '`migrate(db, { migrationsFolder })` (Drizzle)'
                : /(?:umzug|migrator)\.up$/i.test(callee)
                  ? `\`${callee}()\``
                  : /(?:^|\.)sync$/.test(callee) && /\b(?:alter|force)\s*:\s*true/.test(args)
                    ? `\`${callee}(${args.slice(0, 30)})\` (schema changes at start-up)`
                    : /(?:^|\.)(?:execSync|exec|spawnSync|spawn|execa|execFileSync|\$)$/.test(callee) &&
                        node.arguments.some((a) => (ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) && commandsIn(a.getText(source).slice(1, -1)).some((c) => migrationCommand(c.argv)))
                      ? `\`${callee}(…)\` running a migration command`
                      : undefined;
        if (what) sites.push({ path: file.path, start: node.getStart(source), end: node.getEnd(), what });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

export default defineRule({
  meta: {
    id: 'migrations-at-startup',
    category: 'delivery',
    checklist: 'CI-6',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      startScript:
        'The `{{script}}` script applies database migrations (`{{command}}`) every time the app starts, so each replica races to migrate during a rollout, a failed migration becomes a crash loop, and the old version keeps serving against a changed schema. Run migrations once, in a separate job or release step before the rollout.',
      container:
        'The container start command applies database migrations (`{{command}}`) before the app starts, so every replica and every restart migrates, rollouts race, and a failed migration becomes a crash loop. Move the migration into a one-off job that runs before the rollout (a CI step, a Kubernetes Job, a release command).',
      code:
        '{{what}} applies database migrations when the server boots, so every replica migrates at start-up: rollouts race on the schema, a failed migration takes the service down in a crash loop, and scaling out re-runs it. Run migrations from a separate deploy step or job before the new version rolls out.',
    },
    docs: {
      summary: 'Database migrations that run as part of application start-up (start scripts, container commands, server code).',
      why: 'When the app migrates on boot, every replica runs the migration at the same moment of a rollout; the migration holds locks while old instances still serve traffic; a failing migration turns into a crash loop instead of a failed deploy step; and the schema changes before anyone decided the release should go out.',
      howToFix:
        'Keep `start` to starting the app. Run `prisma migrate deploy` (or your tool\'s equivalent) once per release in its own step: a CI job before the deploy, a Kubernetes Job or Helm pre-upgrade hook, Heroku `release:`, Fly `release_command`, an ECS one-off task. Write migrations to be backward-compatible (expand/contract) so the old version keeps working during the rollout.',
      examples: {
        invalid: [{ file: 'package.json', code: '{\n  "scripts": {\n    "build": "tsc -p .",\n    "start": "prisma migrate deploy && node dist/server.js"\n  }\n}\n' }],
        valid: [
          {
            file: 'package.json',
            code: '{\n  "scripts": {\n    "build": "tsc -p .",\n    "start": "node dist/server.js",\n    "db:migrate": "prisma migrate deploy"\n  }\n}\n',
            context: { Procfile: 'release: npm run db:migrate\nweb: npm start\n' },
          },
        ],
      },
      peers: ['No static peer; the practice is argued by the Twelve-Factor "admin processes" factor and by Kubernetes/Heroku/Fly release-phase designs'],
      limitations: [
        'Migration calls in code are reported only in files that also start a server (`.listen(`, `NestFactory.create`, `Bun.serve`…); a migration called from a bootstrap module imported by the server file is not linked to it.',
        'Init containers that migrate before each pod starts are not reported, although they share most of the problems.',
        'Commands in Docker Compose files are not read: they usually describe the local development stack.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const { model } = ctx;
    const seen = new Set<string>();
    const referencedScripts = new Set<string>();

    // Container start commands and the entrypoint scripts they run.
    for (const file of dockerfilesOf(model, 'shipped')) {
      const start = startCommand(chainInstructions(finalChain(file)));
      if (!start) continue;
      const expanded = expandCommandLine(model, start.text);
      for (const e of expanded) if (e.via[0]) referencedScripts.add(e.via[0]);
      const direct = firstMigration(model, expanded.filter((e) => e.via.length === 0));
      if (direct) {
        ctx.report({ messageId: 'container', data: { command: direct.command }, path: file.path, line: start.instruction.line });
        continue;
      }
      for (const word of commandsIn(execFormText(start.text)).flatMap((c) => c.argv)) {
        if (!/[\w.-]+\.sh$/.test(word)) continue;
        for (const script of entrypointScripts(model, word, file)) {
          const text = model.text(script) ?? '';
          const found = firstMigration(model, expandScript(model, { text, path: script, offsetAt: (i) => i }));
          const key = `${script}:${found?.offset}`;
          if (!found || seen.has(key)) continue;
          seen.add(key);
          ctx.report({ messageId: 'container', data: { command: found.command }, path: script, range: { start: found.offset, end: found.end } });
        }
      }
    }

    // Procfile web processes (a `release:` process is the right place).
    for (const procfile of model.find(/(?:^|\/)Procfile$/)) {
      const text = model.text(procfile.path) ?? '';
      let offset = 0;
      for (const line of text.split('\n')) {
        const m = /^(web|worker)\s*:\s*(.*)$/.exec(line.trim());
        if (m) {
          const expanded = expandCommandLine(model, m[2]!);
          for (const e of expanded) if (e.via[0]) referencedScripts.add(e.via[0]);
          const direct = firstMigration(model, expanded.filter((e) => e.via.length === 0));
          if (direct) ctx.report({ messageId: 'container', data: { command: direct.command }, path: procfile.path, range: { start: offset, end: offset + line.length } });
        }
        offset += line.length + 1;
      }
    }

    // package.json start scripts.
    for (const { path, manifest } of model.manifests()) {
      if (notAppCode.test(path)) continue;
      const scripts = manifest.scripts && typeof manifest.scripts === 'object' ? manifest.scripts : {};
      for (const [name, body] of Object.entries(scripts)) {
        if (typeof body !== 'string' || (!startScriptNames.test(name) && !referencedScripts.has(name))) continue;
        const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
        const found = firstMigration(model, expandCommandLine(model, body), [dir, '.']);
        if (!found) continue;
        const start = scriptKeyOffset(model.text(path) ?? '', name);
        ctx.report({ messageId: 'startScript', data: { script: name, command: found.command }, path, range: { start, end: start + name.length + 2 } });
      }
    }

    // Server code.
    for (const site of codeSites(model)) ctx.report({ messageId: 'code', data: { what: site.what }, path: site.path, range: { start: site.start, end: site.end } });
  },
});
