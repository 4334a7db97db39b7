import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, constantExpression, dynamicString, importsOf, nonProductionPath, unwrap } from '../_code/code.js';

const vmRunners = new Set(['runInNewContext', 'runInThisContext', 'runInContext', 'compileFunction', 'Script']);

export default defineRule({
  meta: {
    id: 'code-injection',
    category: 'security',
    checklist: 'SEC-9',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      evaluated:
        '`{{api}}` runs a string that is not a constant as JavaScript, so whoever influences that string runs code with the privileges of the process (and the `vm` module is not a security boundary). Parse data with `JSON.parse`, look behaviour up in a map of functions, or run untrusted code in an isolated process or `isolated-vm`.',
    },
    docs: {
      summary: '`eval`, `new Function`, `vm.runInNewContext`/`runInThisContext`/`Script` and string `setTimeout`/`setInterval` called with values that are not constants.',
      why: 'Evaluating a string as code turns any influence over that string into remote code execution: reading environment secrets, the database, the file system. Node\'s `vm` contexts are explicitly not a sandbox. Such calls usually parse data (use `JSON.parse`) or pick behaviour by name (use a lookup table).',
      howToFix:
        'Replace `eval(json)` with `JSON.parse(json)`, dynamic dispatch with an object of functions (`handlers[name]?.()` after checking `Object.hasOwn`), and templating with a template engine. If user-supplied code must run, run it in a separate, locked-down process or `isolated-vm` with limits.',
      examples: {
        invalid: [
          {
            file: 'src/reports/formula.ts',
            code: "export function evaluate(formula: string, row: Record<string, number>) {\n  return new Function('row', `return ${formula};`)(row);\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/reports/config.ts',
            code: "export function parseConfig(text: string) {\n  return JSON.parse(text) as Record<string, unknown>;\n}\n",
          },
        ],
      },
      peers: [
        'eslint-plugin-security detect-eval-with-expression; ESLint core no-eval, no-new-func, no-implied-eval (also in @microsoft/eslint-plugin-sdl)',
        'Semgrep javascript.browser.security.eval-detected, new-function-detected, javascript.lang.security.audit.code-string-concat',
        'njsscan eval_nodejs, vm_runinnewcontext_injection, vm_code_injection',
      ],
      limitations: [
        'Calls with only constant strings are not reported (they are a code smell, not an injection).',
        'Values are not traced to their origin: every non-constant argument is reported. Tests, code generators, build scripts and seeds are skipped.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['eval(', 'Function(', 'runIn', 'Script(', 'compileFunction', 'setTimeout(', 'setInterval('] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    const nonConstant = (args: readonly ts.Expression[] | undefined): ts.Expression | undefined =>
      args?.find((a) => !ts.isSpreadElement(a) && !constantExpression(a) && !ts.isFunctionLike(unwrap(a)));
    const visit = (node: ts.Node): void => {
      const call = node as ts.CallExpression | ts.NewExpression;
      const callee = unwrap(call.expression);
      const args = call.arguments;
      let api: string | undefined;
      let arg: ts.Expression | undefined;
      if (ts.isIdentifier(callee) && callee.text === 'eval' && ts.isCallExpression(call)) {
        api = 'eval';
        arg = nonConstant(args?.slice(0, 1));
      } else if (ts.isIdentifier(callee) && callee.text === 'Function') {
        api = ts.isNewExpression(call) ? 'new Function' : 'Function';
        arg = nonConstant(args);
      } else if (ts.isIdentifier(callee) && (callee.text === 'setTimeout' || callee.text === 'setInterval') && args?.[0] && dynamicString(args[0])) {
        api = callee.text;
        arg = args[0];
      } else {
        const member = callOf(call, imports, /^(?:node:)?vm$/);
        if (member && vmRunners.has(member)) {
          api = `vm.${member}`;
          arg = nonConstant(args?.slice(0, 1));
        }
      }
      if (api && arg) ctx.report({ messageId: 'evaluated', node: arg, data: { api } });
    };
    return { CallExpression: visit, NewExpression: visit };
  },
});
