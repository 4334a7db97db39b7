import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { constantExpression, initializerOf, nonProductionPath, unwrap } from '../_code/code.js';

/** Sanitizers and encoders whose output is safe HTML. */
const sanitizer = /sanitize|purify|DOMPurify|dompurify|\bxss\b|filterXSS|escape|encode|insane|sanitizeHtml|safeHtml|trustedTypes/i;

/** Renderers whose output is SVG built from the data they encode: `renderSVG(url)` (uqr), `QRCode.toString(text, { type: 'svg' })`. */
const svgRenderer = /(?:^|\.)(?:render|to)Svg(?:String)?$|^(?:QRCode|qrcode|qr)\.\w+$/i;

/** Names a value inserted into HTML may use without being user data, and whether the sink is a `<style>` element. */
interface Trust {
  names: ReadonlySet<string>;
  css: boolean;
}

const noTrust: Trust = { names: new Set(), css: false };

/** A developer-defined map (`THEMES`, `chartConfig`, `theme.colors`): constant, or named as configuration. */
const configName = (name: string): boolean => /^[A-Z][A-Z0-9_]*$/.test(name) || /config|theme|palette|colou?rs?$|tokens$|variables$/i.test(name);

/** `Object.entries(THEMES)`, `Object.keys(config).filter(...)`, or a variable holding one: iteration over configuration. */
function configIteration(node: ts.Expression, depth: number): boolean {
  const e = unwrap(node);
  if (depth > 4) return false;
  if (ts.isIdentifier(e)) {
    const init = initializerOf(e.text, e);
    return init !== undefined && configIteration(init, depth + 1);
  }
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return false;
  const method = e.expression.name.text;
  const receiver = e.expression.expression;
  if (/^(?:entries|keys|values)$/.test(method) && receiver.getText() === 'Object') {
    const arg = e.arguments[0] ? unwrap(e.arguments[0]) : undefined;
    return arg !== undefined && (ts.isIdentifier(arg) || ts.isPropertyAccessExpression(arg)) && configName(ts.isIdentifier(arg) ? arg.text : arg.name.text);
  }
  return /^(?:filter|sort|slice|reverse)$/.test(method) && configIteration(receiver, depth + 1);
}

function bindingNames(name: ts.BindingName, out: Set<string>): void {
  if (ts.isIdentifier(name)) out.add(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

/** `entries.map(([key, value]) => ...)`: what the callback returns is safe when built from its (configuration) parameters. */
function safeCallback(fn: ts.Expression | undefined, depth: number, trust: Trust): boolean {
  const f = fn ? unwrap(fn) : undefined;
  if (!f || !(ts.isArrowFunction(f) || ts.isFunctionExpression(f))) return false;
  const names = new Set(trust.names);
  for (const p of f.parameters) bindingNames(p.name, names);
  const inner: Trust = { names, css: trust.css };
  if (!ts.isBlock(f.body)) return safeHtml(f.body, depth + 1, inner);
  // Locals of the callback (`const color = item.theme?.[theme] ?? item.color`) are checked through their initializer.
  let safe = true;
  const visit = (n: ts.Node): void => {
    if (!safe || (n !== f.body && ts.isFunctionLike(n))) return;
    if (ts.isReturnStatement(n) && n.expression && !safeHtml(n.expression, depth + 1, inner)) safe = false;
    ts.forEachChild(n, visit);
  };
  visit(f.body);
  return safe;
}

function rootName(e: ts.Expression): string | undefined {
  let n = unwrap(e);
  while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unwrap(n.expression);
  return ts.isIdentifier(n) ? n.text : undefined;
}

function safeHtml(node: ts.Expression, depth = 0, trust: Trust = noTrust): boolean {
  const e = unwrap(node);
  if (depth > 8) return false;
  if (constantExpression(e)) return true;
  if (ts.isCallExpression(e)) {
    const callee = e.expression.getText();
    // JSON-LD in <script type="application/ld+json">: JSON.stringify of server data.
    if (sanitizer.test(callee) || callee === 'JSON.stringify') return true;
    // QR codes and charts drawn as SVG markup by a library from data it encodes, not from HTML it is given.
    if (svgRenderer.test(callee)) return true;
    if (ts.isPropertyAccessExpression(e.expression)) {
      const method = e.expression.name.text;
      const receiver = e.expression.expression;
      if (method === 'join' || method === 'trim') return safeHtml(receiver, depth + 1, trust);
      // CSS variables from a theme map (shadcn/ui `ChartStyle`): `Object.entries(THEMES).map(([theme, prefix]) => ...)`.
      if ((method === 'map' || method === 'flatMap') && configIteration(receiver, 0)) return safeCallback(e.arguments[0], depth, trust);
    }
  }
  // `window.__ENV__ = ${JSON.stringify(env)}`: every inserted part is itself safe.
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((span) => safeHtml(span.expression, depth + 1, trust));
  if (ts.isIdentifier(e)) {
    if (trust.names.has(e.text)) return true;
    // The selector of a scoped `<style>` (`[data-chart=${id}]`): an element id the component generates.
    if (trust.css && /^(?:id|\w+Id)$/.test(e.text)) return true;
    if (depth > 4) return false;
    const init = initializerOf(e.text, e);
    return init !== undefined && safeHtml(init, depth + 1, trust);
  }
  if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && trust.names.size > 0) {
    const root = rootName(e);
    if (root !== undefined && trust.names.has(root)) return true;
  }
  if (ts.isBinaryExpression(e) && /^(?:\?\?|\|\||&&)$/.test(e.operatorToken.getText())) return safeHtml(e.left, depth + 1, trust) && safeHtml(e.right, depth + 1, trust);
  if (ts.isConditionalExpression(e)) return safeHtml(e.whenTrue, depth + 1, trust) && safeHtml(e.whenFalse, depth + 1, trust);
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
        'HTML built by iterating a configuration map (`Object.entries(THEMES)`, `Object.entries(config)` of a chart or theme config) from its keys and values is taken as developer data, as is an element id inserted into the selectors of a `<style>` element (the shadcn/ui chart pattern).',
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
        const element = attr.parent.parent;
        const tag = ts.isJsxOpeningElement(element) || ts.isJsxSelfClosingElement(element) ? element.tagName.getText() : '';
        const trust: Trust = { names: new Set(), css: tag === 'style' };
        if (html ? !safeHtml(html, 0, trust) : !ts.isObjectLiteralExpression(value)) report(attr, 'dangerouslySetInnerHTML');
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
