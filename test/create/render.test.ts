import { describe, expect, it } from 'vitest';
import { TemplateError, renderTemplate } from '../../src/create/render.js';

function failure(source: string, context: object): TemplateError {
  try {
    renderTemplate('templates/x/files/a.txt.hbs', source, context);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('rendered without an error');
}

describe('renderTemplate', () => {
  it('inserts values without HTML escaping', () => {
    expect(renderTemplate('t', 'a {{x}} b', { x: '<"&>' })).toBe('a <"&> b');
  });

  it('keeps escaped mustaches literal (GitHub Actions expressions)', () => {
    expect(renderTemplate('t', 'group: ci-$\\{{ github.ref }} {{x}}', { x: 1 })).toBe('group: ci-${{ github.ref }} 1');
  });

  it('names the template and a missing top-level variable', () => {
    const error = failure('hello\n  {{nme}}', { name: 'x' });
    expect(error.message).toBe('templates/x/files/a.txt.hbs:2:5: missing variable "nme"');
    expect(error.template).toBe('templates/x/files/a.txt.hbs:2:5');
    expect(error.variable).toBe('nme');
  });

  it('names the full path of a missing nested variable', () => {
    expect(failure('run: {{packageManager.instal}}', { packageManager: { install: 'npm i' } }).message).toContain('missing variable "packageManager.instal"');
  });

  it('names a missing variable inside #each', () => {
    expect(failure('{{#each list}}{{this.nope}}{{/each}}', { list: [{}] }).variable).toBe('this.nope');
  });

  it('treats a missing block condition as an error, not as false', () => {
    const error = failure('a\n{{#if packageManager.corepak}}x{{/if}}', { packageManager: { corepack: true } });
    expect(error.message).toBe('templates/x/files/a.txt.hbs:2:1: missing variable "packageManager.corepak" in a block condition');
    expect(failure('{{#unless nope}}x{{/unless}}', {}).variable).toBe('nope');
  });

  it('still renders false conditions', () => {
    expect(renderTemplate('t', '{{#if a}}x{{else}}y{{/if}}{{#unless a}}z{{/unless}}', { a: false })).toBe('yz');
  });

  it('reports syntax errors with the template name', () => {
    expect(failure('{{#if a}}x', { a: true }).message).toMatch(/^templates\/x\/files\/a\.txt\.hbs: /);
  });
});
