import type { FilePlan } from './plan.js';

interface Dir {
  dirs: Map<string, Dir>;
  files: Map<string, { mode: number; kept: boolean }>;
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** The plan as a tree with counts, for `--dry-run`. `kept` marks files a merge would leave untouched. */
export function formatPlanTree(plan: FilePlan, root: string, kept: ReadonlySet<string> = new Set()): string {
  const top: Dir = { dirs: new Map(), files: new Map() };
  let directories = 0;
  for (const file of plan.files) {
    const segments = file.path.split('/');
    let dir = top;
    for (const segment of segments.slice(0, -1)) {
      let next = dir.dirs.get(segment);
      if (!next) {
        next = { dirs: new Map(), files: new Map() };
        dir.dirs.set(segment, next);
        directories++;
      }
      dir = next;
    }
    dir.files.set(segments[segments.length - 1]!, { mode: file.mode, kept: kept.has(file.path) });
  }
  const lines = [`${root}/`];
  const walk = (dir: Dir, indent: string): void => {
    const entries: { name: string; dir?: Dir; file?: { mode: number; kept: boolean } }[] = [
      ...[...dir.dirs.keys()].sort().map((name) => ({ name, dir: dir.dirs.get(name)! })),
      ...[...dir.files.keys()].sort().map((name) => ({ name, file: dir.files.get(name)! })),
    ];
    entries.forEach((entry, i) => {
      const last = i === entries.length - 1;
      const branch = last ? '└── ' : '├── ';
      if (entry.dir) {
        lines.push(`${indent}${branch}${entry.name}/`);
        walk(entry.dir, indent + (last ? '    ' : '│   '));
      } else if (entry.file) {
        const marks = [entry.file.mode & 0o111 ? 'executable' : '', entry.file.kept ? 'exists, kept' : ''].filter(Boolean);
        lines.push(`${indent}${branch}${entry.name}${marks.length ? `  (${marks.join(', ')})` : ''}`);
      }
    });
  };
  walk(top, '');
  const executables = plan.files.filter((f) => f.mode & 0o111).length;
  const bytes = plan.files.filter((f) => !kept.has(f.path)).reduce((sum, f) => sum + f.content.byteLength, 0);
  const write = plan.files.length - kept.size;
  const counts = [
    `${write} ${write === 1 ? 'file' : 'files'} to write`,
    ...(kept.size ? [`${kept.size} existing kept`] : []),
    `${directories} ${directories === 1 ? 'directory' : 'directories'}`,
    `${executables} executable`,
    formatSize(bytes),
  ];
  lines.push('', `${counts.join(', ')} (dry run: nothing was written)`);
  return `${lines.join('\n')}\n`;
}
