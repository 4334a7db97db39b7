/** Types shared by the engine, the rules and the reporters: the JSON report is built from these. */

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

export const confidences = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof confidences)[number];

export function severityRank(severity: Severity): number {
  return severities.length - severities.indexOf(severity);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export interface Location {
  /** Relative to the audited root, with forward slashes. */
  path: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface Finding {
  ruleId: string;
  checklist: string;
  severity: Severity;
  confidence: Confidence;
  message: string;
  help: string;
  location: Location | null;
  /** The workspace package the finding belongs to ("." for the root). */
  package: string;
  fingerprint: string;
  /** The source line(s) around the finding, secrets already masked; reporters show it as a code frame. */
  snippet?: Snippet;
  /** True for findings the engine made about itself (a rule that crashed on a file). */
  internal?: boolean;
}

export interface Snippet {
  startLine: number;
  lines: string[];
}
