import { defineRule } from '../../../src/core/define-rule.js';
import { servesHttp } from '../../_server/server-code.js';

/** Test files by name or folder. */
const testFile =
  /\.(?:test|spec|e2e|e2e-spec|int-spec|integration|itest)\.[cm]?[jt]sx?$|(?:^|\/)(?:__tests__|tests?|e2e|integration|integration-tests|cypress)\/(?:.*\/)?[^/]+\.[cm]?[jt]sx?$/;
/** Paths whose tests are not this repository's: vendored code, fixtures of tools, examples. */
const foreign = /(?:^|\/)(?:node_modules|vendor|fixtures?|__fixtures__|examples?|templates?)\//;
/** Names and folders that say "integration" or "end to end" on their own. */
const integrationName = /\.(?:e2e|e2e-spec|int-spec|integration|itest)\.[cm]?[jt]sx?$|\.int\.(?:test|spec)\.[cm]?[jt]sx?$|(?:^|\/)(?:e2e|integration|integration-tests|__integration__|cypress)\//;
/** Dependencies that only exist to drive a real server, browser or database from tests. */
const integrationDeps = new Set([
  'supertest', 'light-my-request', 'testcontainers', '@playwright/test', 'playwright', 'cypress', 'pactum', 'frisby', 'chakram', 'mongodb-memory-server',
  '@pact-foundation/pact', 'puppeteer', 'newman', 'testcafe', 'webdriverio', '@wdio/cli', 'detox', 'jest-puppeteer',
]);
/**
 * Test code that goes over HTTP or reaches a database: supertest / `request(app)`, Fastify `inject`, Hono `app.request`
 * and `testClient`, fetch to localhost, Nest `getHttpServer()`, Testcontainers, a database client, a browser.
 */
const integrationCode =
  /from\s+['"]supertest['"]|require\(\s*['"]supertest['"]\s*\)|\brequest\(\s*(?:app|server|httpServer|api|application)\b|\.inject\(\s*\{|\.inject\(\)\s*\.|\bapp\.request\(|\btestClient\(|fetch\(\s*[`'"]https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0)|getHttpServer\(\)|@testcontainers\/|['"]testcontainers['"]|\bPostgreSqlContainer\b|\bGenericContainer\b|new\s+PrismaClient\(|from\s+['"]pg['"]|require\(\s*['"]pg['"]\s*\)|\bcreatePool\(|\bknex\(\s*\{|mongodb-memory-server|\bpage\.goto\(|\bcy\.visit\(|\bcy\.request\(|\bspec\(\)\s*\.\s*(?:get|post)|\bcreateTestContext\(|\$\{baseUrl\}|\bBASE_URL\b.*fetch|process\.env\.DATABASE_URL|\bgetTestServer\(|\bTestServer\b|http\.createServer\(|\.listen\(\s*0?\s*\)|\bsequelize\.(?:close|sync|query|transaction)\(|\.\$connect\(\)|migrate\.latest\(|\.initialize\(\)[\s\S]{0,40}DataSource|DataSource[\s\S]{0,400}\.initialize\(\)/;

export default defineRule({
  meta: {
    id: 'integration-tests-missing',
    category: 'operations',
    checklist: 'OPS-2',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noTests:
        'This server has no automated tests at all, so every change to authentication, tenancy or the core workflow ships unverified and regressions are found by users. Start with integration tests that call the HTTP API against a real database (supertest, Fastify inject, Testcontainers) for the critical paths.',
      unitOnly:
        'The repository has {{count}} test files but none of them calls the HTTP API or touches a real database, so routing, middleware, authentication, validation and SQL are never tested together and break unnoticed. Add integration tests for the critical paths (sign-in, tenant isolation, the core workflow) with supertest or Fastify inject against a real PostgreSQL (Testcontainers or a CI service).',
    },
    docs: {
      summary: 'A server repository with no tests, or with tests of which none exercises the HTTP API or a real database.',
      why: 'Unit tests with mocked databases pass while the query, the migration, the auth middleware or the route wiring is wrong. The failures that hurt in production (a tenant reading another tenant\'s data, a broken sign-in, a request that 500s after a schema change) only show up when the real pieces run together.',
      howToFix:
        'Add integration tests that start the app in-process and call it over HTTP (supertest, `fastify.inject`, Hono `app.request`, Nest `app.getHttpServer()`) against a real database started by Testcontainers or a CI service container, covering sign-in, tenant isolation (tenant A cannot read or change tenant B\'s rows) and the core workflow; run them in CI on every pull request.',
      examples: {
        invalid: [
          {
            file: 'src/price.test.ts',
            code: "import { expect, it } from 'vitest';\nimport { price } from './price.js';\n\nit('adds tax', () => {\n  expect(price(100, 0.2)).toBe(120);\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" }, "devDependencies": { "vitest": "^1.6.0" } }\n', 'src/price.ts': 'export const price = (net: number, tax: number): number => net * (1 + tax);\n' },
          },
        ],
        valid: [
          {
            file: 'test/orders.test.ts',
            code: "import request from 'supertest';\nimport { expect, it } from 'vitest';\nimport { app } from '../src/app.js';\n\nit('creates an order', async () => {\n  const res = await request(app).post('/v1/orders').send({ sku: 'A1' });\n  expect(res.status).toBe(201);\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" }, "devDependencies": { "supertest": "^7.0.0", "vitest": "^1.6.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent; coverage tools (c8, Istanbul) measure lines, not whether tests cross the HTTP or database boundary'],
      limitations: [
        'Only repositories with an HTTP server (Express, Fastify, Koa, NestJS, Hono...) or Next.js API routes are assessed; others are reported "not assessed".',
        'Test helpers count too: a test file or a file under `test/` that starts the app on a port, opens a database connection (Sequelize, TypeORM, Prisma, Knex, pg) or wraps the server in a test client.',
        'Integration tests are recognised by name and folder (`*.e2e-spec.ts`, `*.integration.test.ts`, `e2e/`, `integration/`), by development dependencies (supertest, Testcontainers, Playwright, Cypress, Pactum) or by test code that calls the app over HTTP or opens a database client. Whether they cover the critical paths is not judged.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const { model } = ctx;
    if (!servesHttp(model)) {
      ctx.notApplicable('No HTTP server or API routes were found, so there is no API for integration tests to exercise.');
      return;
    }
    const tests = model.find((f) => f.language === 'ts' && testFile.test(f.path) && !foreign.test(f.path));
    // Development dependencies only: puppeteer or pg as a runtime dependency says nothing about the tests.
    const deps = model.manifests().filter(({ path }) => !foreign.test(path)).flatMap(({ manifest }) => Object.keys(manifest.devDependencies ?? {}));
    const byDependency = deps.some((d) => integrationDeps.has(d) || d.startsWith('@testcontainers/'));
    if (tests.length === 0 && !byDependency) {
      ctx.report({ messageId: 'noTests' });
      return;
    }
    if (byDependency || tests.some((f) => integrationName.test(f.path))) return;
    for (const f of tests) if (integrationCode.test(model.text(f.path) ?? '')) return;
    ctx.report({ messageId: 'unitOnly', data: { count: tests.length } });
  },
});
