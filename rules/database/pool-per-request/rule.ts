import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { serverCandidate } from '../../_server/server-code.js';
import { isFunctionLike } from '../../_http/routes.js';
import { enclosingHandler } from '../../scalability/_kit.js';
import { moduleOf, moduleUseOf, type ModuleUse } from '../../security/_code/code.js';

/** [module pattern, export name ('default' for the module's default export or a namespace), constructed with `new`]. */
const constructors: Array<[RegExp, RegExp, boolean]> = [
  [/^(?:pg|pg-pool|@neondatabase\/serverless|@vercel\/postgres)$/, /^(?:Pool|Client)$/, true],
  [/^pg-pool$/, /^default$/, true],
  [/^(?:mysql2|mysql2\/promise|mysql|mariadb)$/, /^(?:createPool|createConnection|createPoolCluster)$/, false],
  [/^(?:@prisma\/client|\.prisma\/client)$|(?:^|\/)(?:prisma|generated)\/(?:client|prisma)(?:\/index)?$|\/generated\/prisma$/, /^PrismaClient$/, true],
  [/^postgres$/, /^default$/, false],
  [/^knex$/, /^(?:default|knex)$/, false],
  [/^sequelize$|^sequelize-typescript$/, /^Sequelize$/, true],
  [/^typeorm$/, /^(?:DataSource|createConnection)$/, true],
  [/^mongodb$/, /^MongoClient$/, true],
  [/^kysely$/, /^Kysely$/, true],
  [/^@libsql\/client$/, /^createClient$/, false],
  [/^better-sqlite3$/, /^default$/, true],
];

function created(node: ts.CallExpression | ts.NewExpression, imports: ModuleUse): string | undefined {
  const target = moduleOf(node.expression, imports);
  if (!target) return undefined;
  for (const [module, name, isNew] of constructors) {
    if (!module.test(target.module) || !name.test(target.name) || (isNew && !ts.isNewExpression(node))) continue;
    // `knex('users')` on an instance named like the module is a query, not a new client.
    const first = node.arguments?.[0];
    if (target.module === 'knex' && first !== undefined && ts.isStringLiteralLike(first)) continue;
    return target.module;
  }
  return undefined;
}

/**
 * A lazily created singleton: `pool ??= new Pool()`, `if (!client) client = new PrismaClient()`, `globalThis.prisma ||
 * new PrismaClient()`, or a value stored on a module-level or global binding, rather than a local of the handler.
 */
function cached(node: ts.Node, handler: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p && p !== handler; p = p.parent) {
    if (ts.isBinaryExpression(p)) {
      const op = p.operatorToken.kind;
      if (op === ts.SyntaxKind.QuestionQuestionEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return true;
      if (op === ts.SyntaxKind.EqualsToken && !declaredIn(p.left, handler)) return true;
    }
    if (ts.isPropertyAssignment(p) || ts.isVariableDeclaration(p)) break;
    if (isFunctionLike(p)) break;
  }
  return false;
}

/** Whether the assignment target is a local of the handler (then the pool dies with the request). */
function declaredIn(target: ts.Expression, handler: ts.Node): boolean {
  if (!ts.isIdentifier(target)) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === target.text) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(handler);
  return found;
}

export default defineRule({
  meta: {
    id: 'pool-per-request',
    category: 'database',
    checklist: 'DB-3',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      perRequest:
        'A new database client is created inside this request handler (`{{what}}` from {{module}}), so every request opens fresh connections (TCP and TLS handshakes, authentication) and under load exhausts the database\'s connection limit, and clients that are not closed leak connections. Create one pool per process at module level (or a cached singleton) and reuse it in handlers.',
    },
    docs: {
      summary: 'Database pools and clients (pg, mysql2, Prisma, postgres.js, Knex, Sequelize, TypeORM, MongoDB, Kysely) constructed inside a request handler instead of once per process.',
      why: 'Opening a connection costs several round trips and server memory; PostgreSQL allows only a few hundred at once. A pool or client created per request multiplies connections by the request rate, adds latency to every call, and takes the database down under load ("too many connections"), often only in production traffic.',
      howToFix:
        'Create the pool once when the process starts (`export const pool = new Pool({ max: 10 })` in a `db` module) and import it in handlers; for Prisma in dev/serverless use the `globalThis.prisma ??= new PrismaClient()` singleton; size the pool from configuration and close it on shutdown. In serverless functions, create the client outside the handler so warm invocations reuse it, and put a pooler (PgBouncer, RDS Proxy, Neon/Supabase pooling) in front.',
      examples: {
        invalid: [
          {
            file: 'src/routes/users.ts',
            code: "import { Router } from 'express';\nimport { Pool } from 'pg';\n\nexport const users = Router();\n\nusers.get('/users/:id', async (req, res) => {\n  const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n  const { rows } = await pool.query('select * from users where id = $1', [req.params.id]);\n  res.json(rows[0]);\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "pg": "^8.11.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/routes/users.ts',
            code: "import { Router } from 'express';\nimport { Pool } from 'pg';\n\nconst pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });\nexport const users = Router();\n\nusers.get('/users/:id', async (req, res) => {\n  const { rows } = await pool.query('select * from users where id = $1', [req.params.id]);\n  res.json(rows[0]);\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "pg": "^8.11.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep registry or Checkov equivalent; Prisma\'s docs warn against multiple PrismaClient instances'],
      limitations: [
        'Only construction directly inside a request handler is seen (Express/Fastify/Koa/Hono route callbacks and handler-shaped functions, Next.js route handlers, NestJS controller methods, tRPC procedures); a factory in another file that the handler calls is not followed.',
        'A client stored in a module-level or global variable, or created with `??=`/`||=`/`??` (a lazy singleton), is not reported.',
        '"No pool at all" (a single `pg.Client` shared by all requests) is not reported yet.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['Pool', 'Client', 'createPool', 'createConnection', 'postgres', 'knex', 'Sequelize', 'DataSource', 'Kysely', 'sqlite', 'createClient'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source } = candidate;
    const imports = moduleUseOf(source);
    const visit = (node: ts.Node): void => {
      const n = node as ts.CallExpression | ts.NewExpression;
      const module = created(n, imports);
      if (module === undefined) return;
      const handler = enclosingHandler(n, path);
      if (!handler || cached(n, handler)) return;
      ctx.report({ messageId: 'perRequest', data: { what: `${ts.isNewExpression(n) ? 'new ' : ''}${n.expression.getText(source)}()`, module }, node: n });
    };
    return { CallExpression: visit, NewExpression: visit };
  },
});
