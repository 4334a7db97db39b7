import type { SectionId } from '../core/checklist.js';
import type { Confidence, Finding, Severity } from '../core/types.js';
import type { Grade, SectionScore } from './scoring.js';
import type { SkippedFile } from './discover.js';
import type { Suppression } from './suppressions.js';

/** Bumped on any breaking change to the JSON report; documented in docs/json-report.md. */
export const reportSchemaVersion = '1.0.0';

export interface NotAssessed {
  checklist: string;
  title: string;
  /** What was looked for, and why it could not be judged. */
  reason: string;
}

export interface PackageSummary {
  dir: string;
  name: string;
  score: number | null;
  grade: Grade | null;
  findings: number;
}

export interface Report {
  schemaVersion: string;
  tool: { name: string; version: string; uri: string };
  /** Absolute path of the audited root. */
  root: string;
  generatedAt: string;
  summary: {
    score: number | null;
    grade: Grade | null;
    sections: Record<SectionId, SectionScore>;
    counts: { total: number; bySeverity: Record<Severity, number>; byConfidence: Record<Confidence, number>; internal: number };
    packages: PackageSummary[];
    /** The `--fail-on` threshold and whether the run fails on it or on a section gate. */
    failOn: Severity | 'none';
    failed: boolean;
    failedGates: Array<{ section: SectionId; minimum: number; score: number }>;
  };
  findings: Finding[];
  notAssessed: NotAssessed[];
  skippedFiles: SkippedFile[];
  suppressions: Suppression[];
  baseline?: { path: string; matched: number; stale: Array<{ fingerprint: string; ruleId: string; path: string | null }> };
  config: { source: string | null; defaultExcludes: readonly string[]; monorepoTools: string[] };
  stats: { files: number; bytes: number; durationMs: number; cache: 'off' | 'hit' | 'partial' | 'miss'; workers: number };
}
