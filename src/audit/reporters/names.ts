/** Output formats, known without loading the reporters (which pull in the rule registry). */
export const reporterNames = ['text', 'json', 'sarif', 'markdown', 'html', 'junit'] as const;
export type ReporterName = (typeof reporterNames)[number];
