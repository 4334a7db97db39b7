import { Option, type Command } from 'commander';
import { KnownError } from '../core/errors.js';
import type { AnyRule } from '../core/define-rule.js';
import type { Option as RuleOption } from '../core/options.js';
import { chalkFor, colorEnabled } from './color.js';

export function ruleSummary(rule: AnyRule): Record<string, unknown> {
  const { meta } = rule;
  return {
    id: meta.id,
    checklist: meta.checklist,
    category: meta.category,
    scope: rule.scope,
    severity: meta.severity,
    confidence: meta.confidence,
    stability: meta.stability,
    summary: meta.docs.summary,
  };
}

function explain(rule: AnyRule, color: boolean): string {
  const chalk = chalkFor(color);
  const { meta } = rule;
  const out = [
    `${chalk.bold(meta.id)}  ${chalk.gray(`${meta.checklist} · ${meta.severity} · ${meta.confidence} confidence · ${meta.stability}`)}`,
    '',
    meta.docs.summary,
    '',
    chalk.bold('Why it matters'),
    meta.docs.why,
    '',
    chalk.bold('How to fix'),
    meta.docs.howToFix,
  ];
  for (const [label, list] of [['Flagged', meta.docs.examples.invalid], ['Not flagged', meta.docs.examples.valid]] as const) {
    for (const example of list) out.push('', chalk.bold(`${label}: ${example.file}`), ...example.code.trimEnd().split('\n').map((l) => `  ${l}`));
  }
  const options = Object.entries(meta.options ?? {}) as Array<[string, RuleOption<unknown>]>;
  if (options.length) {
    out.push('', chalk.bold('Options'));
    for (const [key, opt] of options) out.push(`  ${key} (${opt.kind}, default ${JSON.stringify(opt.default)}): ${opt.description}`);
  }
  if (meta.docs.peers?.length) out.push('', chalk.bold('Peers'), `  ${meta.docs.peers.join('; ')}`);
  return `${out.join('\n')}\n`;
}

export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('List the audit rules, or explain one: summary, why, how to fix, examples.')
    .argument('[id]', 'rule id to explain')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (id: string | undefined, flags: { format: 'text' | 'json' }) => {
      const { registry } = await import('../audit/registry.js');
      if (id) {
        const rule = registry.find((r) => r.meta.id === id);
        if (!rule) {
          const close = registry.filter((r) => r.meta.id.includes(id) || id.includes(r.meta.id)).map((r) => r.meta.id);
          throw new KnownError(`Unknown rule "${id}"`, close.length ? `Did you mean ${close.join(', ')}?` : 'Run `prodgrade rules` for the list.');
        }
        process.stdout.write(flags.format === 'json' ? `${JSON.stringify({ ...ruleSummary(rule), docs: rule.meta.docs, messages: rule.meta.messages }, null, 2)}\n` : explain(rule, colorEnabled(process.stdout)));
        return;
      }
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify(registry.map(ruleSummary), null, 2)}\n`);
        return;
      }
      const chalk = chalkFor(colorEnabled(process.stdout));
      const lines = registry.map((r) => `${r.meta.id.padEnd(34)} ${r.meta.checklist.padEnd(7)} ${r.meta.severity.padEnd(9)} ${chalk.gray(r.meta.docs.summary)}`);
      process.stdout.write(`${chalk.bold(`${'RULE'.padEnd(34)} ${'ITEM'.padEnd(7)} ${'SEVERITY'.padEnd(9)} SUMMARY`)}\n${lines.join('\n')}\n\n${registry.length} rules. \`prodgrade rules <id>\` explains one.\n`);
    });
}
