import type { ChalkInstance } from 'chalk';
import type { Report } from '../report.js';

export interface ReporterOptions {
  /** Colour functions; a level-0 instance when colour is off. */
  chalk: ChalkInstance;
  verbose: boolean;
}

/** A reporter turns a report into the text of one output format. */
export type Reporter = (report: Report, options: ReporterOptions) => string;
