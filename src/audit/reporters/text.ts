import type { ChalkInstance } from 'chalk';
import type { Finding, Severity } from '../../core/types.js';
import type { Report } from '../report.js';
import type { Reporter } from './types.js';

function severityLabel(chalk: ChalkInstance, severity: Severity): string {
  const label = severity.toUpperCase().padEnd(8);
  switch (severity) {
    case 'critical':
      return chalk.bgRed.white.bold(label);
    case 'high':
      return chalk.red.bold(label);
    case 'medium':
      return chalk.yellow(label);
    case 'low':
      return chalk.cyan(label);
    default:
      return chalk.gray(label);
  }
}

function codeFrame(chalk: ChalkInstance, finding: Finding): string[] {
  const snippet = finding.snippet;
  const location = finding.location;
  if (!snippet || !location) return [];
  const width = String(snippet.startLine + snippet.lines.length - 1).length;
  return snippet.lines.map((line, i) => {
    const n = snippet.startLine + i;
    const marked = n >= location.startLine && n <= location.endLine;
    const gutter = `${marked ? chalk.red('>') : ' '} ${chalk.gray(String(n).padStart(width))} |`;
    return `    ${gutter} ${line.replace(/\t/g, '  ')}`;
  });
}

function scoreText(chalk: ChalkInstance, score: number | null, grade: string | null): string {
  if (score === null) return chalk.gray('not assessed');
  const colour = score >= 90 ? chalk.green : score >= 70 ? chalk.yellow : chalk.red;
  return colour(`${String(score).padStart(3)}/100 ${grade}`);
}

function bar(score: number | null): string {
  if (score === null) return ' '.repeat(20);
  const filled = Math.round(score / 5);
  return '█'.repeat(filled) + '░'.repeat(20 - filled);
}

function summaryLines(report: Report, chalk: ChalkInstance): string[] {
  const out: string[] = [];
  const { summary } = report;
  out.push(chalk.bold('Readiness by checklist section'));
  for (const [id, section] of Object.entries(summary.sections)) {
    out.push(`  ${id.padEnd(4)} ${section.title.padEnd(28)} ${bar(section.score)} ${scoreText(chalk, section.score, section.grade)}${section.findings ? chalk.gray(`  (${section.findings} finding${section.findings === 1 ? '' : 's'})`) : ''}`);
  }
  if (summary.packages.length > 1) {
    out.push('', chalk.bold('By package'));
    for (const pkg of summary.packages) {
      out.push(`  ${pkg.name.padEnd(40)} ${scoreText(chalk, pkg.score, pkg.grade)}${chalk.gray(`  (${pkg.findings})`)}`);
    }
  }
  const c = summary.counts.bySeverity;
  out.push(
    '',
    `${chalk.bold('Overall')} ${scoreText(chalk, summary.score, summary.grade)}   ${summary.counts.total} findings: ${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low, ${c.info} info`,
  );
  if (summary.counts.internal) out.push(chalk.magenta(`${summary.counts.internal} internal error(s): a rule crashed on a file; see the findings marked INTERNAL.`));
  out.push(chalk.gray(`${report.notAssessed.length} checklist items not assessed${report.notAssessed.length ? ' (--verbose lists them)' : ''}; ${report.skippedFiles.length} files skipped; ${report.stats.files} files audited in ${(report.stats.durationMs / 1000).toFixed(2)} s.`));
  if (summary.failedGates.length) {
    for (const g of summary.failedGates) out.push(chalk.red(`Gate failed: section ${g.section} scored ${g.score}, below the minimum ${g.minimum}.`));
  }
  return out;
}

/** Human output: findings grouped by file with code frames, then the score per section. */
export const textReporter: Reporter = (report, { chalk, verbose }) => {
  const out: string[] = [];
  if (verbose) {
    out.push(chalk.gray(`Audited ${report.root} (config: ${report.config.source ?? 'defaults'}; monorepo: ${report.config.monorepoTools.join(', ') || 'no'})`));
    out.push(chalk.gray(`Skipped by default: ${report.config.defaultExcludes.join(', ')}`), '');
  }
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = f.location?.path ?? '(repository)';
    let list = byFile.get(key);
    if (!list) byFile.set(key, (list = []));
    list.push(f);
  }
  for (const [path, findings] of byFile) {
    out.push(chalk.underline(path));
    for (const f of findings) {
      const where = f.location && path !== '(repository)' ? chalk.gray(`${f.location.startLine}:${f.location.startColumn}`.padEnd(8)) : '';
      const tag = f.internal ? chalk.magenta('INTERNAL') : severityLabel(chalk, f.severity);
      out.push(`  ${where}${tag} ${f.message} ${chalk.gray(`[${f.ruleId} · ${f.checklist} · ${f.confidence} confidence]`)}`);
      out.push(...codeFrame(chalk, f));
      if (verbose) out.push(`    ${chalk.gray('fix:')} ${f.help}`);
    }
    out.push('');
  }
  if (report.baseline) {
    out.push(chalk.gray(`Baseline ${report.baseline.path}: ${report.baseline.matched} known findings hidden, ${report.baseline.stale.length} stale entries.`));
    for (const s of report.baseline.stale.slice(0, verbose ? undefined : 10)) out.push(chalk.gray(`  stale: ${s.ruleId} ${s.path ?? '(repository)'} ${s.fingerprint}`));
    out.push('');
  }
  const problems = report.suppressions.filter((s) => s.status !== 'used');
  if (problems.length) {
    out.push(chalk.bold('Suppressions needing attention'));
    for (const s of problems) {
      const why = s.status === 'invalid' ? `invalid: ${s.problem}` : s.status === 'expired' ? `expired on ${s.until}` : 'unused: it matches no finding';
      out.push(`  ${s.path}:${s.line} ${s.rules.join(',') || '(no rule)'} — ${why}`);
    }
    out.push('');
  }
  if (verbose) {
    if (report.notAssessed.length) {
      out.push(chalk.bold('Not assessed'));
      for (const n of report.notAssessed) out.push(`  ${n.checklist.padEnd(7)} ${n.title} ${chalk.gray(`— ${n.reason}`)}`);
      out.push('');
    }
    if (report.skippedFiles.length) {
      out.push(chalk.bold('Skipped files'));
      for (const s of report.skippedFiles) out.push(`  ${s.path} ${chalk.gray(`— ${s.reason}`)}`);
      out.push('');
    }
  }
  out.push(...summaryLines(report, chalk));
  return `${out.join('\n')}\n`;
};
