export const languages = [
  'ts', // TypeScript and JavaScript in all their extensions
  'json',
  'yaml',
  'dockerfile',
  'hcl',
  'sql',
  'prisma',
  'env',
  'markdown',
  'shell',
  'toml',
  'html',
  'python',
  'other',
] as const;
export type Language = (typeof languages)[number];

const byExtension: Record<string, Language> = {
  ts: 'ts', tsx: 'ts', mts: 'ts', cts: 'ts', js: 'ts', jsx: 'ts', mjs: 'ts', cjs: 'ts',
  json: 'json', jsonc: 'json', json5: 'json', ipynb: 'json',
  yml: 'yaml', yaml: 'yaml',
  tf: 'hcl', hcl: 'hcl', tfvars: 'hcl',
  sql: 'sql',
  prisma: 'prisma',
  md: 'markdown', mdx: 'markdown',
  sh: 'shell', bash: 'shell', zsh: 'shell',
  toml: 'toml',
  html: 'html', htm: 'html', hbs: 'html', vue: 'html', svelte: 'html', astro: 'html',
  py: 'python',
};

export function languageOf(path: string): Language {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const lower = name.toLowerCase();
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') {
    return 'dockerfile';
  }
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) return 'env';
  if (lower.endsWith('.d.ts')) return 'ts';
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return 'other';
  return byExtension[lower.slice(dot + 1)] ?? 'other';
}

/** ts.ScriptKind-compatible hint for the TypeScript parser. */
export function scriptKindOf(path: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tsx')) return 'tsx';
  if (lower.endsWith('.jsx')) return 'jsx';
  if (/\.(?:js|mjs|cjs)$/.test(lower)) return 'js';
  return 'ts';
}
