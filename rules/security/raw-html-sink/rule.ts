import { ts } from 'ts-morph';
import { defineRule } from '../../../src/core/define-rule.js';
import { constantExpression, initializerOf, nonProductionPath, unwrap } from '../_code/code.js';

/** Sanitizers and encoders whose output is safe HTML. */
const sanitizer = /sanitize|purify|DOMPurify|dompurify|\bxss\b|filterXSS|escape|encode|insane|sanitizeHtml|safeHtml|trustedTypes/i;

function safeHtml(node: ts.Expression, depth = 0): boolean {
  const e = unwrap(node);
  if (constantExpression(e)) return true;
  if (ts.isCallExpression(e)) {
    const callee = e.expression.getText();
    // JSON-LD in <script type="application/ld+json">: JSON.stringify of server data.
    if (sanitizer.test(callee) || callee === 'JSON.stringify') return true;
  }
  if (ts.isIdentifier(e) && depth < 2) {
    const init = initializerOf(e.text, e);
    return init !== undefined && safeHtml(init, depth + 1);
  }
  if (ts.isConditionalExpression(e)) return safeHtml(e.whenTrue, depth + 1) && safeHtml(e.whenFalse, depth + 1);
  return false;
}

/** Framework templates: Vue `v-html`, Svelte `{@html}`, Angular `[innerHTML]`. */
const templateSinks: Array<[RegExp, string]> = [
  [/\bv-html\s*=\s*"([^"]*)"/g, 'v-html'],
  [/\{@html\s+([^}]*)\}/g, '{@html}'],
  [/\[innerHTML\]\s*=\s*"([^"]*)"/g, '[innerHTML]'],
];

export default defineRule({
  meta: {
    id: 'raw-html-sink',
    category: 'security',
    checklist: 'SEC-10',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      sink:
        '`{{sink}}` inserts a value that is not a constant as raw HTML, bypassing the framework\'s escaping: if any part of it comes from users (a comment, a profile field, markdown), scripts run in other users\' sessions (stored XSS). Render it as text, or sanitize it first with DOMPurify / sanitize-html.',
    },
    docs: {
      summary: 'Values that are not constants inserted as raw HTML without a sanitizer: React `dangerouslySetInnerHTML`, `innerHTML`/`outerHTML` assignments, `insertAdjacentHTML`, `document.write`, Vue `v-html`, Svelte `{@html}`, Angular `[innerHTML]` and `bypassSecurityTrustHtml`.',
      why: 'Frameworks escape everything they render, which is what keeps user content from becoming script. Raw HTML sinks switch that off: one unsanitized field rendered this way runs attacker script with the victim\'s session, and a Content-Security-Policy is then the only line of defence left.',
      howToFix:
        'Render user content as text (JSX children, `textContent`, `{{ }}` interpolation). When HTML is required (rich text, rendered markdown), sanitize it right before insertion: `dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }}`, and keep a strict CSP as a second layer.',
      examples: {
        invalid: [
          {
            file: 'src/components/Comment.tsx',
            code: "export function Comment({ body }: { body: string }) {\n  return <div className=\"comment\" dangerouslySetInnerHTML={{ __html: body }} />;\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/components/Comment.tsx',
            code: "import DOMPurify from 'dompurify';\n\nexport function Comment({ body }: { body: string }) {\n  return <div className=\"comment\" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(body) }} />;\n}\n",
          },
        ],
      },
      peers: [
        'eslint-plugin-react no-danger; @microsoft/eslint-plugin-sdl no-inner-html, no-html-method, no-document-write; eslint-plugin-vue no-v-html',
        'Semgrep typescript.react.security.audit.react-dangerouslysetinnerhtml, javascript.browser.security.insecure-document-method, javascript.vue.security.audit.xss.templates.avoid-v-html',
        'njsscan dom_xss',
      ],
      limitations: [
        'A value is taken as safe when it is a constant, passes through a function named like a sanitizer or encoder (`sanitize`, `DOMPurify`, `xss`, `escape`), or is `JSON.stringify(...)` (JSON-LD); whether the value really comes from users is not traced.',
        'Templates (`.vue`, `.svelte`, Angular `.html`) are read as text.',
      ],
    },
  },
  scope: 'file',
  files: {
    paths: /\.(?:[cm]?[jt]sx?|vue|svelte|html)$/,
    keywords: ['dangerouslySetInnerHTML', 'innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'v-html', '@html', 'bypassSecurityTrustHtml'],
  },
  check(ctx) {
    const { path, text, language } = ctx.file;
    if (nonProductionPath.test(path)) return;
    if (language !== 'ts') {
      for (const [re, sink] of templateSinks) {
        for (const m of text.matchAll(re)) {
          const expr = m[1]!.trim();
          if (!expr || /^['"`][^'"`]*['"`]$/.test(expr) || sanitizer.test(expr)) continue;
          ctx.report({ messageId: 'sink', range: { start: m.index, end: m.index + m[0].length }, data: { sink } });
        }
      }
      return;
    }
    const report = (node: ts.Node, sink: string): void => ctx.report({ messageId: 'sink', node, data: { sink } });
    return {
      JsxAttribute(node) {
        const attr = node as ts.JsxAttribute;
        if (attr.name.getText() !== 'dangerouslySetInnerHTML' || !attr.initializer || !ts.isJsxExpression(attr.initializer) || !attr.initializer.expression) return;
        const value = unwrap(attr.initializer.expression);
        const html = ts.isObjectLiteralExpression(value)
          ? value.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === '__html')?.initializer
          : undefined;
        if (html ? !safeHtml(html) : !ts.isObjectLiteralExpression(value)) report(attr, 'dangerouslySetInnerHTML');
      },
      BinaryExpression(node) {
        const b = node as ts.BinaryExpression;
        if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken && b.operatorToken.kind !== ts.SyntaxKind.PlusEqualsToken) return;
        if (!ts.isPropertyAccessExpression(b.left) || !/^(?:innerHTML|outerHTML)$/.test(b.left.name.text)) return;
        if (!safeHtml(b.right)) report(b, b.left.name.text);
      },
      CallExpression(node) {
        const call = node as ts.CallExpression;
        if (!ts.isPropertyAccessExpression(call.expression)) return;
        const name = call.expression.name.text;
        if (name === 'insertAdjacentHTML' && call.arguments[1] && !safeHtml(call.arguments[1])) report(call, 'insertAdjacentHTML');
        else if ((name === 'write' || name === 'writeln') && call.expression.expression.getText() === 'document' && call.arguments[0] && !safeHtml(call.arguments[0])) report(call, `document.${name}`);
        else if (name === 'bypassSecurityTrustHtml' && call.arguments[0] && !safeHtml(call.arguments[0])) report(call, 'bypassSecurityTrustHtml');
      },
    };
  },
});
