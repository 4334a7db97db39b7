import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, dependenciesOf, describeRoute, examples, httpModel, httpSelector, mentionsHttp, publicByDesign, readHttp, withoutComments, type HttpSignal } from '../../_http/kit.js';
import { webhookPath } from '../../_http/paths.js';
import type { LinkedRoute } from '../../_http/link.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { mutatingMethods, nonServedPath } from '../../_http/routes.js';

const authzPackages = [
  '@casl/ability', 'casbin', 'accesscontrol', 'role-acl', '@permitio/permit-node', 'permitio', 'oso', 'oso-cloud', '@cerbos/grpc', '@cerbos/http',
  '@openfga/sdk', '@authzed/authzed-node', 'nest-access-control', 'nestjs-casl', 'express-jwt-permissions', 'express-acl', 'acl', 'node-casbin',
  '@warrantdev/warrant-node', 'cerbos', '@auth0/fga',
];
/**
 * Code that decides what the caller may do: role and permission checks, policies, ability objects, ownership
 * comparisons and queries scoped to the caller.
 */
const authzCode = new RegExp(
  [
    String.raw`\b(?:has|check|require|assert|ensure|verify|validate|can)(?:Role|Roles|Permission|Permissions|Access|Scope|Scopes|Ability|Policy|Admin|Owner|Ownership|Membership)\s*\(`,
    String.raw`\bis(?:Admin|Owner|SuperAdmin|Moderator|Staff)\b`,
    String.raw`\.roles?\s*(?:===|!==|==|!=)|(?:===|!==|==|!=)\s*[\w.]*\.roles?\b|\broles?\.(?:includes|some|has)\(`,
    String.raw`\.(?:can|cannot)\(\s*['"]`,
    String.raw`\b(?:can|cannot)\(\s*['"]\w+['"]\s*,`,
    String.raw`@(?:Roles|Permissions|Policies|CheckPolicies|RequirePermissions|RequireRoles|Scopes|HasRoles)\(|\b(?:RolesGuard|PermissionsGuard|PoliciesGuard|AbilitiesGuard|AccessGuard)\b`,
    String.raw`\bauthorize\w*\s*\(|\bdefineAbility|\bcreateMongoAbility|\bAbilityBuilder\b|\benforcer\.enforce\(|\bpermit\.check\(|\boso\.authorize\(`,
    String.raw`\b(?:ownerId|authorId|createdById|creatorId|userId|user_id|owner_id)\s*(?:===|!==|==|!=)`,
    String.raw`(?:===|!==|==|!=)\s*(?:req|request|ctx|session|user|currentUser|auth)(?:\.\w+)*\.(?:id|userId|sub)\b`,
    String.raw`\b(?:ownerId|authorId|createdById|creatorId|userId|user_id|owner_id|tenantId|organizationId|orgId|teamId|workspaceId)\s*:\s*(?:req|request|ctx|session|user|currentUser|auth|caller|me)\b`,
    String.raw`\bthrowIfNot(?:Allowed|Authorized|Permitted)\b|\bforbidden\(\)|\bForbiddenException\b|\bForbiddenError\b|[(:=,]\s*403\b|\bHttpStatus\.FORBIDDEN\b|\bFORBIDDEN\b`,
    String.raw`\b(?:author|owner|creator|createdBy|user|member)\??\.(?:id|userId)\s*(?:===|!==|==|!=)`,
  ].join('|'),
);

/**
 * Whether any served TypeScript file under `prefix` that the HTTP selector picks holds authorization code. Asked in
 * `summarize`, only for services that would otherwise be reported: the expression over every file's text cost as much
 * as the route extraction, for an answer most repositories never need.
 */
function authorizationCodeUnder(model: RepoModel, prefix: string): boolean {
  return model.ofLanguage('ts').some((f) => {
    if (!f.path.startsWith(prefix) || nonServedPath.test(f.path)) return false;
    const text = model.text(f.path);
    return text !== undefined && mentionsHttp(text) && authzCode.test(withoutComments(text));
  });
}

export default defineRule({
  meta: {
    id: 'authorization-missing',
    category: 'security',
    checklist: 'SEC-6',
    severity: 'medium',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      missing:
        'This service has {{count}} routes that change data ({{examples}}) but no authorization check anywhere: no role or permission check, policy, ability object, 403 answer, or query scoped to the caller. Authentication alone lets every signed-in user act on every record; check the caller\'s role or ownership on the server for each mutating route.',
    },
    docs: {
      summary: 'A service with mutating routes in which no code decides what the caller may do: no roles, permissions, policies, ownership checks, caller-scoped queries or 403 responses.',
      why: 'Knowing who the caller is does not say what they may change. Without server-side authorization any authenticated user (or a tenant\'s most junior member) can edit or delete anyone\'s records by changing an ID in the request; broken access control is the most common serious web vulnerability.',
      howToFix:
        'Decide per route what the caller may do, on the server: roles per membership checked in a guard or middleware (`requireRole(\'admin\')`, `@Roles(\'owner\')` with a `RolesGuard`), a policy library (CASL, Casbin, Cerbos, OpenFGA) for finer rules, and queries scoped to the caller (`where: { id, ownerId: user.id }`). Answer 403 when the check fails.',
      examples: {
        invalid: [
          {
            file: 'src/routes/projects.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\n\nexport const projects = Router();\nprojects.post('/', async (req, res) => res.status(201).json(await db.project.create({ data: req.body })));\nprojects.put('/:id', async (req, res) => res.json(await db.project.update({ where: { id: req.params.id }, data: req.body })));\nprojects.delete('/:id', async (req, res) => res.json(await db.project.delete({ where: { id: req.params.id } })));\n",
            context: {
              'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n',
              'src/app.ts': "import express from 'express';\nimport { requireAuth } from './auth.js';\nimport { projects } from './routes/projects.js';\n\nconst app = express();\napp.use('/v1/projects', requireAuth, projects);\n",
            },
          },
        ],
        valid: [
          {
            file: 'src/routes/projects.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\n\nexport const projects = Router();\nprojects.delete('/:id', async (req, res) => {\n  const project = await db.project.findUnique({ where: { id: req.params.id } });\n  if (project?.ownerId !== req.user.id) return res.status(403).end();\n  res.json(await db.project.delete({ where: { id: project.id } }));\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
      },
      peers: ['No static tool checks for the absence of authorization; eslint-plugin-security, Semgrep and njsscan have no equivalent'],
      limitations: [
        'A heuristic over the whole service: any role, permission, policy, ownership or 403 code counts, even if it covers one route only. A finding means "none found at all", not that a specific route lacks a check.',
        'Authorization enforced outside the service (a gateway, a separate policy service called through a generic client) is not seen.',
        'Services with fewer than two mutating routes (besides sign-in, sign-up, password-reset and webhook routes) are not reported.',
      ],
    },
  },
  scope: 'file',
  files: httpSelector,
  check(ctx) {
    const http = readHttp(ctx);
    if (http) ctx.emit({ http } satisfies HttpSignal);
  },
  summarize(ctx, signals) {
    const model = httpModel(ctx.model, signals);
    const services = new Map<string, LinkedRoute[]>();
    for (const r of model.routes) {
      if (!apiRoute(r) || !mutatingMethods.has(r.route.method) || publicByDesign(r)) continue;
      const p = r.fullPath ?? r.route.path;
      if (p !== null && webhookPath(p)) continue;
      let list = services.get(r.packageDir);
      if (!list) services.set(r.packageDir, (list = []));
      list.push(r);
    }
    for (const [dir, routes] of services) {
      if (routes.length < 2) continue;
      const deps = dependenciesOf(ctx.model, dir);
      if (authzPackages.some((d) => deps.has(d))) continue;
      if (authorizationCodeUnder(ctx.model, dir === '.' ? '' : `${dir}/`)) continue;
      routes.sort((a, b) => a.path.localeCompare(b.path) || a.route.start - b.route.start);
      const framework = routes[0]!.route.framework;
      const app = model.packages.get(dir)?.appFiles.find((f) => f.framework === framework);
      const at = app ?? { path: routes[0]!.path, start: routes[0]!.route.start, end: routes[0]!.route.end };
      ctx.report({ messageId: 'missing', path: at.path, range: { start: at.start, end: at.end }, data: { count: routes.length, examples: examples(routes.map(describeRoute)) } });
    }
  },
});
