import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { prodgrade, removeDefaultCacheDir, repoRoot } from '../support/cli.js';
import { readTree, removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

/**
 * Forty copies of the sample application (its tenant-unscoped queries, secrets, routes) and a few large sources: over
 * 300 files, so that the audit starts a worker.
 */
let repo: string;
beforeAll(() => {
  const sample = readTree(join(repoRoot, 'examples', 'sample-saas'));
  const tree: Record<string, string> = {};
  for (let copy = 0; copy < 40; copy++) {
    for (const [path, text] of Object.entries(sample)) tree[`services/s${copy}/${path}`] = text;
  }
  const route = (i: number): string => `app.get('/v1/items/${i}', async (req, res) => res.json(await db.item.findMany()));\n`;
  for (let big = 0; big < 4; big++) {
    tree[`services/big${big}/src/routes.ts`] = `import express from 'express';\nconst app = express();\n${Array.from({ length: 2000 + big }, (_, i) => route(i)).join('')}`;
  }
  // A tenant-owned table, parsed on the tree thread while the main thread loads its rules, and a query that ignores it.
  tree['prisma/schema.prisma'] = [
    'model Organization {\n  id String @id\n  projects Project[]\n}',
    'model Project {\n  id String @id\n  name String\n  organizationId String\n  organization Organization @relation(fields: [organizationId], references: [id])\n}',
  ].join('\n\n');
  tree['services/projects/src/list.ts'] = [
    "import express from 'express';",
    "import { PrismaClient } from '@prisma/client';",
    'const prisma = new PrismaClient();',
    'export const router = express.Router();',
    "router.get('/v1/projects/:id', async (req, res) => res.json(await prisma.project.findFirst({ where: { id: req.params.id } })));",
    '',
  ].join('\n');
  repo = writeTree(tempDir('prodgrade-workers-'), tree);
});

const audit = async (jobs: string): Promise<Report> => {
  const r = await prodgrade(['audit', repo, '--no-cache', '--fail-on', 'none', '--format', 'json', '--jobs', jobs]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as Report;
};

/** With `--timing`: stderr says which thread read the tree. */
const auditTimed = async (jobs: string[]): Promise<{ report: Report; stderr: string }> => {
  const r = await prodgrade(['audit', repo, '--no-cache', '--fail-on', 'none', '--format', 'json', '--timing', ...jobs]);
  expect(r.exitCode).toBe(0);
  return { report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
};

describe('worker threads', () => {
  it('report exactly what the main thread alone reports, the Prisma schema parsed on the tree thread', async () => {
    const [alone, withWorker] = await Promise.all([audit('0'), audit('1')]);
    expect(alone.stats.workers).toBe(0);
    expect(withWorker.stats.workers).toBe(1);
    expect(alone.findings.length).toBeGreaterThan(100);
    for (const id of ['tenant-query-unscoped', 'jwt-secret-hardcoded', 'error-swallowed', 'route-auth-missing', 'env-file-committed']) expect(alone.findings.some((f) => f.ruleId === id)).toBe(true);
    expect(withWorker.findings).toEqual(alone.findings);
  }, 120_000);

  it('read the tree on a thread of its own by default, and only then, with the same findings', async () => {
    const [alone, byDefault] = await Promise.all([auditTimed(['--jobs', '0']), auditTimed([])]);
    const treeThread = 'main: discovery thread started';
    expect(byDefault.stderr).toContain(treeThread);
    expect(alone.stderr).not.toContain(treeThread);
    expect(alone.report.findings.length).toBeGreaterThan(100);
    expect(byDefault.report.findings).toEqual(alone.report.findings);
    expect(byDefault.report.skippedFiles).toEqual(alone.report.skippedFiles);
  }, 120_000);
});
