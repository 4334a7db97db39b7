import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, constantExpression, dynamicString, importsOf, objectProperty, nonProductionPath, unwrap } from '../_code/code.js';

const childProcess = /^(?:node:)?child_process$/;
const shells = /^(?:sh|bash|zsh|dash|cmd|cmd\.exe|powershell|pwsh|\/bin\/(?:ba|z|da)?sh)$/;

/** `{ shell: true }` in spawn/execFile options. */
function shellOption(args: readonly ts.Expression[]): boolean {
  return args.some((a) => {
    const e = unwrap(a);
    if (!ts.isObjectLiteralExpression(e)) return false;
    const shell = objectProperty(e, 'shell');
    return shell !== undefined && shell.kind !== ts.SyntaxKind.FalseKeyword;
  });
}

export default defineRule({
  meta: {
    id: 'command-injection',
    category: 'security',
    checklist: 'SEC-9',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      shell:
        'This shell command is built from a non-constant value and run through a shell, so a value containing `;`, `&&`, `$()` or backticks runs arbitrary commands on the server. Use `execFile`/`spawn` with the program and an argument array (no shell), and validate the values against an allow-list.',
    },
    docs: {
      summary: 'Shell commands built from non-constant values: `exec`/`execSync` with template literals or concatenation, `spawn`/`execFile` with `shell: true`, `sh -c` with a built string, shelljs `exec`, execa `execaCommand`.',
      why: 'A shell interprets its whole input: separators, substitutions and redirections in any inserted value become commands. One file name or branch name from a request is enough to run code as the service user, with its credentials and network access.',
      howToFix:
        'Run programs without a shell and pass values as separate arguments: `execFile(\'git\', [\'checkout\', branch])`, `spawn(\'convert\', [input, output])`, execa `execa(\'git\', [\'checkout\', branch])` or its `$` template (which escapes). Put `--` before user-supplied arguments that could look like options, and validate them against an allow-list.',
      examples: {
        invalid: [
          {
            file: 'src/jobs/thumbnail.ts',
            code: "import { exec } from 'node:child_process';\n\nexport function thumbnail(file: string) {\n  exec(`convert ${file} -resize 200x200 thumb.png`);\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/jobs/thumbnail.ts',
            code: "import { execFile } from 'node:child_process';\n\nexport function thumbnail(file: string) {\n  execFile('convert', ['--', file, '-resize', '200x200', 'thumb.png']);\n}\n",
          },
        ],
      },
      peers: [
        'eslint-plugin-security detect-child-process (any child_process import and non-literal `exec`)',
        'Semgrep javascript.lang.security.detect-child-process, spawn-shell-true, shelljs-exec-injection',
        'njsscan generic_os_command_exec, shelljs_os_command_exec',
      ],
      limitations: [
        'Values are not traced to their origin: any non-constant value in a shell command is reported, including ones that were validated.',
        'Only `child_process`, shelljs and execa are recognised; other process libraries are not.',
        'Tests, code generators (`.hygen/`, `_templates/`), build and maintenance scripts (`scripts/`, `tools/`, `bin/`) and seeds are skipped: they run with a developer\'s input, not a client\'s.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['child_process', 'shelljs', 'execa'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    const report = (node: ts.Node): void => ctx.report({ messageId: 'shell', node });
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const args = call.arguments;
        const cp = callOf(call, imports, childProcess);
        if (cp === 'exec' || cp === 'execSync') {
          if (args[0] && dynamicString(args[0])) report(args[0]);
          return;
        }
        if (cp === 'spawn' || cp === 'spawnSync' || cp === 'execFile' || cp === 'execFileSync') {
          const [file, list] = args;
          if (!file) return;
          const listExpr = list && ts.isArrayLiteralExpression(unwrap(list)) ? (unwrap(list) as ts.ArrayLiteralExpression) : undefined;
          // spawn('sh', ['-c', `...${x}`])
          if (ts.isStringLiteralLike(unwrap(file)) && shells.test((unwrap(file) as ts.StringLiteral).text) && listExpr) {
            const cIndex = listExpr.elements.findIndex((e) => ts.isStringLiteralLike(e) && /^[-/](?:c|command|Command)$/.test(e.text));
            const script = cIndex >= 0 ? listExpr.elements[cIndex + 1] : undefined;
            if (script && !ts.isSpreadElement(script) && !constantExpression(script)) report(script);
            return;
          }
          if (shellOption(args)) {
            const dynamic = dynamicString(file) ?? listExpr?.elements.find((e) => !ts.isSpreadElement(e) && !constantExpression(e));
            if (dynamic) report(dynamic);
          }
          return;
        }
        const shelljs = callOf(call, imports, /^shelljs$/);
        if (shelljs === 'exec' && args[0] && dynamicString(args[0])) {
          report(args[0]);
          return;
        }
        const execa = callOf(call, imports, /^execa$/);
        if ((execa === 'execaCommand' || execa === 'execaCommandSync' || execa === 'command' || execa === 'commandSync') && args[0] && dynamicString(args[0])) {
          report(args[0]);
          return;
        }
        if ((execa === 'default' || execa === 'execa' || execa === 'execaSync') && args[0] && ts.isStringLiteralLike(unwrap(args[0])) && shells.test((unwrap(args[0]) as ts.StringLiteral).text)) {
          const list = args[1] && unwrap(args[1]);
          if (list && ts.isArrayLiteralExpression(list)) {
            const cIndex = list.elements.findIndex((e) => ts.isStringLiteralLike(e) && /^-c$/.test(e.text));
            const script = cIndex >= 0 ? list.elements[cIndex + 1] : undefined;
            if (script && !ts.isSpreadElement(script) && !constantExpression(script)) report(script);
          }
        }
      },
    };
  },
});
