import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { allSteps, pipelinesOf } from '../../delivery/_pipelines/pipelines.js';

/** Commands that make the database match the schema directly, without migrations. */
const pushCommand = /\b(?:prisma\s+db\s+push|drizzle-kit\s+push(?::\w+)?|prisma\s+migrate\s+reset|typeorm(?:-ts-node-\w+)?\s+schema:sync|sequelize(?:-cli)?\s+db:sync)\b|--accept-data-loss\b/;
/** Script names that run when the application is built, started or deployed. */
const deployScript = /^(?:build|start|deploy|release|prod|production|postinstall|prestart|prebuild|postbuild|serve|vercel-build|heroku-postbuild|netlify-build|render-build|railway-build|migrate:prod|migrate:deploy|db:deploy)(?:[:_-](?!dev|test|local|e2e)[\w:-]*)?$/i;
const devScript = /dev|test|e2e|local|seed|studio|reset|playground|storybook/i;
const testPath = /(?:^|\/)(?:test|tests|__tests__|spec|e2e|fixtures|__fixtures__|examples?|samples?|docs?)\/|\.(?:test|spec|e2e)\.[cm]?[jt]sx?$|(?:^|[./-])(?:dev|local|test|testing)\.[cm]?[jt]s$/i;
/** Files that run on deploy or container start. */
const deployFile = /(?:^|\/)(?:[^/]*Dockerfile[^/]*|Procfile|fly\.toml|render\.ya?ml|railway\.(?:json|toml)|nixpacks\.toml|app\.json|vercel\.json|netlify\.toml|(?:docker-)?entrypoint[^/]*\.sh|start[^/]*\.sh|deploy[^/]*\.sh|release[^/]*\.sh|run\.sh)$/i;
const devFile = /(?:^|\/)\.devcontainer\/|(?:dev|development|local|test|e2e)[^/]*$/i;

interface Site {
  path: string;
  start: number;
  end: number;
  command: string;
}

/** Scripts of a package.json that run push commands, directly or through `npm run <script>`. */
function scriptSites(model: RepoModel): Array<Site & { script: string }> {
  const out: Array<Site & { script: string }> = [];
  for (const { path, manifest } of model.manifests()) {
    if (testPath.test(path)) continue;
    const scripts = manifest.scripts ?? {};
    const text = model.text(path) ?? '';
    const pushes = (name: string, seen = new Set<string>()): string | undefined => {
      const body = scripts[name];
      if (typeof body !== 'string' || seen.has(name)) return undefined;
      seen.add(name);
      const direct = pushCommand.exec(body)?.[0];
      if (direct) return direct;
      for (const m of body.matchAll(/\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?([\w:.-]+)/g)) {
        const found = pushes(m[1]!, seen);
        if (found) return found;
      }
      return undefined;
    };
    for (const name of Object.keys(scripts)) {
      if (!deployScript.test(name) || devScript.test(name)) continue;
      const command = pushes(name);
      if (!command) continue;
      const at = text.indexOf(`"${name}"`);
      out.push({ path, start: Math.max(at, 0), end: Math.max(at, 0) + name.length + 2, command, script: name });
    }
  }
  return out;
}

function textSites(model: RepoModel, paths: string[]): Site[] {
  const out: Site[] = [];
  const pushScripts = new Set(scriptSitesAll(model));
  for (const path of paths) {
    const text = model.text(path) ?? '';
    for (const line of text.matchAll(/^.*$/gm)) {
      if (/^\s*(?:#|\/\/)/.test(line[0])) continue;
      const direct = pushCommand.exec(line[0]);
      const viaScript = [...line[0].matchAll(/\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?([\w:.-]+)/g)].find((m) => pushScripts.has(m[1]!));
      const command = direct?.[0] ?? (viaScript ? `${viaScript[0]}` : undefined);
      if (!command) continue;
      const start = line.index + line[0].length - line[0].trimStart().length;
      out.push({ path, start, end: line.index + line[0].trimEnd().length, command });
    }
  }
  return out;
}

/** Names of scripts (any package) that push the schema: `npm run db:push` in a Dockerfile resolves through them. */
function scriptSitesAll(model: RepoModel): string[] {
  return model.manifests().flatMap(({ manifest }) => Object.entries(manifest.scripts ?? {}).filter(([, body]) => typeof body === 'string' && pushCommand.test(body)).map(([name]) => name));
}

/** What the pattern below cannot match without, tested on the bytes before any file is decoded. */
const syncWords = new KeywordSet(['synchronize', '.sync(']);

/** `synchronize: true` (TypeORM) and `sync({ alter|force: true })` (Sequelize) outside tests and dev-only branches. */
function syncSites(model: RepoModel): Array<Site & { kind: 'synchronize' | 'sequelizeSync' }> {
  const out: Array<Site & { kind: 'synchronize' | 'sequelizeSync' }> = [];
  for (const f of model.find((f) => /\.(?:[cm]?[jt]sx?)$/.test(f.path) && !f.path.endsWith('.d.ts') && !testPath.test(f.path))) {
    if (!model.mentions(f.path, syncWords)) continue;
    const text = model.text(f.path) ?? '';
    if (!/\bsynchronize\s*:\s*true\b|\.sync\(\s*\{[^}]*\b(?:alter|force)\s*:\s*true/.test(text)) continue;
    const source = model.ts(f.path);
    if (!source) continue;
    const devOnly = (node: ts.Node): boolean => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        if (ts.isConditionalExpression(n) || ts.isIfStatement(n) || (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)) {
          const condition = ts.isIfStatement(n) ? n.expression.getText(source) : ts.isConditionalExpression(n) ? n.condition.getText(source) : n.left.getText(source);
          if (/dev|test|local|NODE_ENV|isProd|production/i.test(condition)) return true;
        }
      }
      return false;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'synchronize' && node.initializer.kind === ts.SyntaxKind.TrueKeyword && !devOnly(node)) {
        out.push({ path: f.path, start: node.getStart(source), end: node.getEnd(), command: 'synchronize: true', kind: 'synchronize' });
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'sync' &&
        node.arguments[0] &&
        ts.isObjectLiteralExpression(node.arguments[0]) &&
        node.arguments[0].properties.some((p) => ts.isPropertyAssignment(p) && /^(?:alter|force)$/.test(p.name.getText(source)) && p.initializer.kind === ts.SyntaxKind.TrueKeyword) &&
        !devOnly(node)
      ) {
        out.push({ path: f.path, start: node.getStart(source), end: node.getEnd(), command: node.getText(source).replace(/\s+/g, ' ').slice(0, 60), kind: 'sequelizeSync' });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'schema-sync-in-production',
    category: 'database',
    checklist: 'DB-1',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      pushInScript:
        'The `{{script}}` script runs `{{command}}`, which makes the production database match the schema directly: no migration is recorded, and columns or tables that changed are dropped with their data. Apply committed migrations instead (`prisma migrate deploy`, `drizzle-kit migrate`).',
      pushInDeploy:
        'This deploy or start step runs `{{command}}`, which applies the schema to the database without migrations and drops whatever no longer matches, data included. Generate migrations and run `prisma migrate deploy` / `drizzle-kit migrate` here instead.',
      pushInCi:
        'CI job `{{job}}` runs `{{command}}` against a deployed database, changing its schema without a reviewed migration and dropping data that no longer fits. Run the committed migrations (`prisma migrate deploy`, `drizzle-kit migrate`) in the deploy job instead.',
      synchronize:
        'TypeORM `synchronize: true` is enabled outside tests: on every start TypeORM alters the database to match the entities, dropping columns (and their data) it does not find. Set it to false outside tests and run generated migrations (`migrationsRun` or `typeorm migration:run`).',
      sequelizeSync:
        'Sequelize `{{command}}` changes the database schema at start-up: `force` drops and recreates tables, `alter` drops columns that models no longer declare. Use migrations (sequelize-cli or Umzug) outside tests.',
    },
    docs: {
      summary: 'Schema push or auto-synchronization (`prisma db push`, `drizzle-kit push`, TypeORM `synchronize: true`, Sequelize `sync({ alter })`) on the way to production.',
      why: 'Push and synchronize apply the ORM schema straight to the database: nothing is recorded, nothing is reviewed, and a renamed field becomes a dropped column with its data gone. They are meant for prototyping and tests, not for databases that hold real data.',
      howToFix:
        'Generate migrations (`prisma migrate dev`, `drizzle-kit generate`, `typeorm migration:generate`), commit them, and apply them in the deploy with `prisma migrate deploy`, `drizzle-kit migrate` or `typeorm migration:run`. Keep push and synchronize for local development and tests only.',
      examples: {
        invalid: [{ file: 'package.json', code: '{\n  "name": "web",\n  "private": true,\n  "scripts": {\n    "build": "prisma db push && next build"\n  }\n}\n' }],
        valid: [{ file: 'package.json', code: '{\n  "name": "web",\n  "private": true,\n  "scripts": {\n    "build": "prisma migrate deploy && next build",\n    "db:push": "prisma db push"\n  }\n}\n', note: 'A push script that only developers run is fine.' }],
      },
      peers: [],
      limitations: ['CI jobs are read as deploying when their name or environment says so (deploy, release, production); a push against a throwaway test database is not reported.'],
    },
  },
  scope: 'repository',
  check(ctx) {
    for (const s of scriptSites(ctx.model)) {
      ctx.report({ messageId: 'pushInScript', data: { script: s.script, command: s.command }, path: s.path, range: { start: s.start, end: s.end } });
    }
    const deployFiles = ctx.model.find((f) => deployFile.test(f.path) && !devFile.test(f.path.slice(f.path.lastIndexOf('/') + 1)) && !testPath.test(f.path)).map((f) => f.path);
    for (const s of textSites(ctx.model, deployFiles)) {
      ctx.report({ messageId: 'pushInDeploy', data: { command: s.command }, path: s.path, range: { start: s.start, end: s.end } });
    }
    const pushScripts = new Set(scriptSitesAll(ctx.model));
    for (const { job, step } of allSteps(pipelinesOf(ctx.model))) {
      const deploying = /deploy|release|prod|publish|migrat/i.test(`${job.id} ${job.name ?? ''} ${job.environment?.value ?? ''}`) && !/test|e2e|preview|review|pr\b/i.test(`${job.id} ${job.name ?? ''}`);
      if (!deploying || !step.run) continue;
      const text = step.run.text;
      const direct = pushCommand.exec(text);
      const viaScript = [...text.matchAll(/\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?([\w:.-]+)/g)].find((m) => pushScripts.has(m[1]!));
      const match = direct ?? viaScript;
      if (!match) continue;
      const start = step.run.offsetAt(match.index);
      ctx.report({ messageId: 'pushInCi', data: { job: job.name ?? job.id, command: match[0] }, path: step.run.path, range: { start, end: start + match[0].length } });
    }
    for (const s of syncSites(ctx.model)) {
      ctx.report({ messageId: s.kind, data: { command: s.command }, path: s.path, range: { start: s.start, end: s.end } });
    }
  },
});
