import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KnownError, errorMessage } from '../core/errors.js';
import type { Finding } from '../core/types.js';
import { toolVersion } from '../core/versions.js';

interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  path: string | null;
  message: string;
}

interface BaselineFile {
  schemaVersion: 1;
  tool: string;
  createdAt: string;
  findings: BaselineEntry[];
}

export interface BaselineOutcome {
  path: string;
  /** Findings not in the baseline (all of them when the baseline was just written). */
  findings: Finding[];
  matched: number;
  stale: Array<{ fingerprint: string; ruleId: string; path: string | null }>;
}

async function read(path: string): Promise<BaselineFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new KnownError(`Baseline file not found: ${path}`, 'Create it with `prodgrade audit --baseline <file> --update-baseline`.');
  }
  try {
    const data = JSON.parse(text) as BaselineFile;
    if (!Array.isArray(data.findings)) throw new Error('no "findings" array');
    return data;
  } catch (error) {
    throw new KnownError(`Baseline file ${path} is not a prodgrade baseline: ${errorMessage(error)}`, 'Regenerate it with --update-baseline.');
  }
}

/**
 * With `update`, records today's findings by fingerprint (written only where the user pointed). Otherwise keeps
 * only findings the baseline does not know and lists baseline entries that no longer occur.
 */
export async function applyBaseline(path: string, update: boolean, findings: readonly Finding[], root: string): Promise<BaselineOutcome> {
  const file = resolve(path);
  if (update) {
    const data: BaselineFile = {
      schemaVersion: 1,
      tool: `prodgrade ${toolVersion}`,
      createdAt: new Date().toISOString(),
      findings: findings
        .filter((f) => !f.internal)
        .map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, path: f.location?.path ?? null, message: f.message })),
    };
    try {
      await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
    } catch (error) {
      throw new KnownError(`Cannot write baseline ${path}: ${errorMessage(error)}`, `Check that the directory exists and is writable (audited root: ${root}).`);
    }
    return { path, findings: [], matched: data.findings.length, stale: [] };
  }
  const data = await read(file);
  const known = new Set(data.findings.map((e) => e.fingerprint));
  const current = new Set(findings.map((f) => f.fingerprint));
  return {
    path,
    findings: findings.filter((f) => !known.has(f.fingerprint)),
    matched: findings.filter((f) => known.has(f.fingerprint)).length,
    stale: data.findings.filter((e) => !current.has(e.fingerprint)).map(({ fingerprint, ruleId, path: p }) => ({ fingerprint, ruleId, path: p })),
  };
}
