import type { Reporter } from './types.js';

/** The public, versioned JSON contract (docs/json-report.md). */
export const jsonReporter: Reporter = (report) => `${JSON.stringify(report, null, 2)}\n`;
