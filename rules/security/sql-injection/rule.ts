import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { dynamicString, initializerOf, nonProductionPath, unwrap } from '../_code/code.js';
import { insertedValues, trustedValue } from './trusted.js';

/** APIs that run their argument as raw SQL whatever it looks like. */
const unsafeApis = new Set(['$queryRawUnsafe', '$executeRawUnsafe', 'queryRawUnsafe', 'executeRawUnsafe', 'raw', 'whereRaw', 'orWhereRaw', 'andWhereRaw', 'havingRaw', 'orHavingRaw', 'orderByRaw', 'groupByRaw', 'joinRaw', 'fromRaw', 'selectRaw', 'unsafe']);
/** Query methods of drivers and ORMs: reported when the string is SQL. */
const queryApis = new Set(['query', 'execute', 'exec', 'prepare', 'run', 'all', 'each', 'queryRaw', 'executeRaw', 'sql']);
/** Query-builder conditions that accept SQL fragments (TypeORM, Sequelize `literal`, MikroORM). */
const fragmentApis = new Set(['where', 'andWhere', 'orWhere', 'having', 'andHaving', 'orHaving', 'orderBy', 'addOrderBy', 'groupBy', 'literal', 'innerJoin', 'leftJoin', 'innerJoinAndSelect', 'leftJoinAndSelect', 'setParameter']);
/** Methods that take SQL text: a method of the project's own with one of these names is a raw-SQL API itself. */
const rawApis: ReadonlySet<string> = new Set([...unsafeApis, ...fragmentApis]);
const sqlText = /\b(?:select\s[\s\S]*?\bfrom\b|insert\s+into\b|update\s+[\w".`[\]]+\s+set\b|delete\s+from\b|create\s+(?:table|index|view|unique|schema)\b|drop\s+(?:table|index|view|schema)\b|alter\s+table\b|truncate\b|merge\s+into\b|with\s+\w+\s+as\s*\()/i;
const fragmentText = /(?:=|<>|!=|<|>|\blike\b|\bilike\b|\bin\s*\(|\bis\s+(?:not\s+)?null\b|\basc\b|\bdesc\b|\band\b|\bor\b)/i;

/** The literal parts of a built string, to tell SQL from other text. */
function staticText(node: ts.Expression, depth = 0): string {
  const e = unwrap(node);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.head.text + e.templateSpans.map((s) => ` ? ${s.literal.text}`).join('');
  if (ts.isBinaryExpression(e)) return `${staticText(e.left, depth)} ? ${staticText(e.right, depth)}`;
  if (ts.isIdentifier(e) && depth < 2) {
    const init = initializerOf(e.text, e);
    return init ? staticText(init, depth + 1) : '';
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) return staticText(e.expression.expression, depth);
  return '';
}

export default defineRule({
  meta: {
    id: 'sql-injection',
    category: 'security',
    checklist: 'SEC-9',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      built:
        'This SQL is built by inserting values into the string, so a value containing a quote changes the query: data leaks, rows are modified or authentication is bypassed. Pass values as parameters instead (`query(\'... WHERE id = $1\', [id])`, Prisma `$queryRaw` tagged template, Knex `raw(\'?\', [v])`, Drizzle `sql` template).',
    },
    docs: {
      summary: 'SQL text built with template literals, `+` or `.concat` from non-constant values and passed to a driver or raw-query API (`query`, `$queryRawUnsafe`, `knex.raw`, `sequelize.query`, `sql.unsafe`, TypeORM `where`...).',
      why: 'SQL injection remains one of the most damaging flaws: one unescaped value lets an attacker read any table, change data or bypass login. Parameters keep data out of the SQL grammar entirely; string building relies on every caller escaping every value correctly, forever.',
      howToFix:
        'Send values separately from the SQL: placeholders with a values array (`pool.query(\'SELECT * FROM users WHERE email = $1\', [email])`), tagged templates that parameterize (Prisma `$queryRaw` and `Prisma.sql`, the `sql` tag of postgres.js, Drizzle or Slonik), or the query builder. For identifiers (table or column names) that must vary, pick them from an allow-list or quote them with the driver\'s identifier escaping.',
      examples: {
        invalid: [
          {
            file: 'src/users/repository.ts',
            code: "import { pool } from '../db.js';\n\nexport async function findByEmail(email: string) {\n  const { rows } = await pool.query(`SELECT * FROM users WHERE email = '${email}'`);\n  return rows[0];\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/users/repository.ts',
            code: "import { pool } from '../db.js';\n\nexport async function findByEmail(email: string) {\n  const { rows } = await pool.query('SELECT * FROM users WHERE email = $1', [email]);\n  return rows[0];\n}\n",
          },
          {
            file: 'src/users/repository.ts',
            code: "import { prisma } from '../db.js';\n\nexport const findByEmail = (email: string) => prisma.$queryRaw`SELECT * FROM users WHERE email = ${email}`;\n",
            note: 'Tagged templates such as Prisma `$queryRaw`, `Prisma.sql`, postgres.js and Drizzle `sql` send the values as parameters.',
          },
        ],
      },
      peers: [
        'Semgrep javascript.lang.security.audit.sqli.node-postgres-sqli, node-mysql-sqli, node-knex-sqli, javascript.sequelize.security.audit.sequelize-raw-query, tainted-sql-string',
        'njsscan node_sqli_injection, node_knex_sqli_injection',
        'eslint-plugin-security: no equivalent rule',
      ],
      limitations: [
        'Values are not traced to the request: any non-constant value inserted into SQL is reported, including ones validated by a check the rule does not recognise. Not reported: constants (`UPPER_CASE`, literals, `const` strings built from them, readonly class fields with a constant value), `Number(...)`, lengths, placeholder lists (`ids.map(() => \'?\').join()`), loop variables over a constant list, an entry picked from a list (`columns.find(...).sql`, `z.enum([...]).parse(v)`), and the parameter of a method that is itself named like a raw-SQL API (`whereRaw(sql)`, `where(condition)`): its callers build the SQL.',
        'Constants imported from another file are not resolved, so a shared SQL fragment imported and inserted into a raw query is reported.',
        'For generic method names (`query`, `execute`, `run`, `where`...) the string must look like SQL; the raw APIs (`$queryRawUnsafe`, `raw`, `whereRaw`, `unsafe`) are reported whatever the text.',
        'A string built in one function and run in another is not followed. Tests, build and maintenance scripts and seeds are skipped.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['query', 'execute', 'Raw', 'raw(', 'unsafe', 'exec(', 'prepare(', 'where', 'Where', 'literal('] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        if (!ts.isPropertyAccessExpression(callee)) return;
        const method = callee.name.text;
        const arg = call.arguments[0];
        if (!arg) return;
        const unsafe = unsafeApis.has(method);
        const fragment = fragmentApis.has(method);
        if (!unsafe && !queryApis.has(method) && !fragment) return;
        // `regex.exec(text)` and friends: only calls whose argument is built SQL matter.
        const built = dynamicString(arg);
        if (!built) return;
        const text = staticText(arg);
        if (!unsafe && !(fragment ? fragmentText.test(text) || sqlText.test(text) : sqlText.test(text))) return;
        // `Prisma.sql` / `sql` helpers receive fragments, not strings; `.where('x = :v', { v })` passes parameters.
        if (fragment && call.arguments.length > 1 && ts.isObjectLiteralExpression(unwrap(call.arguments[1]!)) && !/\$\{/.test(arg.getText())) return;
        if (insertedValues(arg)?.every((value) => trustedValue(value, rawApis))) return;
        ctx.report({ messageId: 'built', node: arg });
      },
    };
  },
});
