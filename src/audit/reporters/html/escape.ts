const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for element content and quoted attribute values alike. Every string that comes from a report
 * (messages, paths, snippets, reasons) goes through here: audited code is untrusted input.
 */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => entities[c]!);
}

/**
 * Escaped text in which `backticks` become <code>: rule docs and messages are written that way. The markup is added
 * after escaping, so report text can still produce nothing but text and <code>.
 */
export function prose(value: string): string {
  return esc(value).replace(/`([^`\n]+)`/g, '<code>$1</code>');
}

/** Cuts overlong text so one pathological line cannot blow up the page; the cut is visible. */
export function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}… (${value.length - max} more characters)` : value;
}

/** An id fragment safe in `id`/`href="#..."` regardless of the input. */
export function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
