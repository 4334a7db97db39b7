import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { callOf, importsOf, objectProperty, nonProductionPath, unwrap } from '../_code/code.js';

/** js-yaml major version per package folder: before 4, `load` resolves `!!js/function` and `!!js/regexp` tags. */
type Prepared = Record<string, number>;

const executingModules = /^(?:node-serialize|serialize-to-js|funcster|cryo)$/;
const executingMembers = new Set(['unserialize', 'deserialize', 'deepDeserialize', 'parse']);
const safeSchemas = /SAFE_SCHEMA|FAILSAFE_SCHEMA|JSON_SCHEMA|CORE_SCHEMA|DEFAULT_SAFE_SCHEMA/;

function versionFor(prepared: Prepared, path: string): number | undefined {
  let dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  for (;;) {
    if (prepared[dir] !== undefined) return prepared[dir];
    if (dir === '.') return undefined;
    dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '.';
  }
}

export default defineRule<'executes' | 'yamlLoad', Record<never, never>, Prepared>({
  meta: {
    id: 'unsafe-deserialization',
    category: 'security',
    checklist: 'SEC-14',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      executes:
        '`{{call}}` rebuilds functions from the serialized text, so a crafted payload runs arbitrary code during deserialization (node-serialize\'s `_$$ND_FUNC$$_` is a known remote-code-execution vector). Exchange plain data with `JSON.parse` and validate it with a schema.',
      yamlLoad:
        '`{{call}}` with js-yaml {{version}} resolves `!!js/function` and `!!js/regexp` tags, so a YAML document from outside can run code or hang the process. Use `safeLoad` (or `load` with `schema: JSON_SCHEMA`), or upgrade to js-yaml 4, whose `load` is safe.',
    },
    docs: {
      summary: 'Deserializers that execute code: node-serialize `unserialize`, serialize-to-js `deserialize`, funcster, cryo, js-yaml `load` before version 4 (or with the full schema).',
      why: 'Deserialization that can rebuild functions or custom types turns data into code: the attacker sends a document, the server runs it. These libraries exist for trusted data only, yet often end up parsing cookies, request bodies or uploaded files.',
      howToFix:
        'Exchange data as JSON (`JSON.parse`) and validate it with a schema; for YAML use js-yaml 4 `load` (safe by default) or the `yaml` package. Never deserialize functions from anything that crosses a trust boundary.',
      examples: {
        invalid: [
          {
            file: 'src/session.ts',
            code: "import serialize from 'node-serialize';\n\nexport function readPreferences(cookie: string) {\n  return serialize.unserialize(Buffer.from(cookie, 'base64').toString());\n}\n",
          },
        ],
        valid: [
          {
            file: 'src/session.ts',
            code: "import { z } from 'zod';\n\nconst Preferences = z.object({ theme: z.enum(['light', 'dark']) });\n\nexport function readPreferences(cookie: string) {\n  return Preferences.parse(JSON.parse(Buffer.from(cookie, 'base64').toString()));\n}\n",
          },
        ],
      },
      peers: [
        'njsscan node_deserialize, serializetojs_deserialize, yaml_deserialize',
        'Semgrep javascript.express.security.audit.express-third-party-object-deserialization',
        'eslint-plugin-security: no equivalent rule',
      ],
      limitations: [
        'The js-yaml version is read from the nearest package.json; with no declared version `load` is reported only with the full schema.',
        '`eval` of JSON text is reported by code-injection.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['node-serialize', 'serialize-to-js', 'funcster', 'cryo', 'js-yaml'] },
  prepare({ model }) {
    const out: Prepared = {};
    for (const { path, manifest } of model.manifests()) {
      const range = manifest.dependencies?.['js-yaml'] ?? manifest.devDependencies?.['js-yaml'];
      const m = range ? /(\d+)/.exec(range) : null;
      if (m) out[path === 'package.json' ? '.' : path.slice(0, -'/package.json'.length)] = Number(m[1]);
    }
    return out;
  },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    const source = ctx.ast();
    const imports = importsOf(source);
    const yamlMajor = versionFor(ctx.prepared, ctx.file.path);
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const member = callOf(call, imports, executingModules);
        if (member && (executingMembers.has(member) || member === 'default')) {
          ctx.report({ messageId: 'executes', node: call, data: { call: call.expression.getText(source) } });
          return;
        }
        const yaml = callOf(call, imports, /^js-yaml$/);
        if (yaml !== 'load' && yaml !== 'loadAll') return;
        const options = call.arguments[yaml === 'loadAll' && call.arguments.length > 2 ? 2 : 1];
        const o = options ? unwrap(options) : undefined;
        const schema = o && ts.isObjectLiteralExpression(o) ? objectProperty(o, 'schema') : undefined;
        const schemaText = schema?.getText(source) ?? '';
        if (safeSchemas.test(schemaText)) return;
        const full = /DEFAULT_FULL_SCHEMA|js-yaml-js-types|\bFULL\b/.test(schemaText);
        if (full || (yamlMajor !== undefined && yamlMajor < 4)) {
          ctx.report({ messageId: 'yamlLoad', node: call, data: { call: call.expression.getText(source), version: yamlMajor !== undefined ? `${yamlMajor}.x` : 'with the full schema' } });
        }
      },
    };
  },
});
