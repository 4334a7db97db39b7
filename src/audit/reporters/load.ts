import type { ReporterName } from './names.js';
import type { Reporter } from './types.js';

/**
 * One reporter, loaded on demand: SARIF, HTML, Markdown and JUnit describe the rules and so load the whole rule
 * registry (and TypeScript with it); text and JSON do not, which keeps a cached run light.
 */
export async function loadReporter(name: ReporterName): Promise<Reporter> {
  switch (name) {
    case 'text':
      return (await import('./text.js')).textReporter;
    case 'json':
      return (await import('./json.js')).jsonReporter;
    case 'sarif':
      return (await import('./sarif.js')).sarifReporter;
    case 'markdown':
      return (await import('./markdown.js')).markdownReporter;
    case 'html':
      return (await import('./html.js')).htmlReporter;
    case 'junit':
      return (await import('./junit.js')).junitReporter;
  }
}
