import { defineRule } from '../../../src/core/define-rule.js';
import type { HclBlock } from '../../../src/audit/parsers/hcl.js';
import { headerRange, isTruthy, TerraformProject, type TfModule } from '../../_terraform/terraform.js';

/** Backends that lock the state on their own; `s3` and `http` lock only when configured to. */
const lockingBackends = new Set(['gcs', 'azurerm', 'remote', 'consul', 'pg', 'kubernetes', 'oss', 'cos', 'etcdv3', 'oci']);

interface Backend {
  kind: string;
  block: HclBlock;
  path: string;
}

function backendOf(mod: TfModule): Backend | 'unknown' | undefined {
  for (const settings of mod.settings) {
    for (const block of settings.item.blocks) {
      if (block.type === 'cloud') return { kind: 'cloud', block, path: settings.path };
      if (block.type === 'backend') return { kind: block.labels[0] ?? '', block, path: settings.path };
      if (block.type === 'dynamic') return 'unknown';
    }
  }
  return undefined;
}

/** A root module: it configures providers itself and no module call in the repository uses it. */
function isRoot(project: TerraformProject, mod: TfModule): boolean {
  if (TerraformProject.isNonProduction(`${mod.dir}/`)) return false;
  if (project.callersOf(mod.dir).length > 0) return false;
  return mod.providers.length > 0 || mod.settings.some((s) => s.item.blocks.some((b) => b.type === 'backend' || b.type === 'cloud'));
}

export default defineRule({
  meta: {
    id: 'terraform-local-state',
    category: 'operations',
    checklist: 'OPS-1',
    severity: 'low',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      localState:
        'Terraform root module `{{dir}}` has no remote backend, so its state lives in a local `terraform.tfstate` that teammates and CI cannot share or lock, and losing it orphans every resource. Add a `backend` (s3 with `use_lockfile = true`, gcs, azurerm) or a `cloud` block.',
      noLocking:
        'Terraform root module `{{dir}}` stores state in an `{{backend}}` backend without locking, so two concurrent applies (a teammate and CI) can corrupt the state. {{fix}}.',
      stateCommitted:
        '`{{path}}` is a Terraform state file in the repository: state holds every resource attribute, including passwords and keys in plain text, and a committed copy goes stale at once. Remove it from the repository, ignore `*.tfstate*`, rotate the secrets it contains and move state to a remote backend.',
    },
    docs: {
      summary: 'Terraform root modules without a remote, locking state backend, and state files kept in the repository.',
      why: 'Terraform state maps code to real resources. Kept in a local file it cannot be shared with CI or teammates, is lost with a laptop, and without locking two simultaneous applies can corrupt it. Committed to git, it leaks every secret Terraform knows in plain text.',
      howToFix:
        'Configure a remote backend with locking in every root module: `backend "s3"` with `use_lockfile = true` (Terraform 1.10+) or a `dynamodb_table`, `gcs`, `azurerm`, or HCP Terraform via a `cloud` block. Keep `*.tfstate` and `*.tfstate.backup` in `.gitignore`.',
      examples: {
        invalid: [
          {
            file: 'infra/main.tf',
            code: 'provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_s3_bucket" "assets" {\n  bucket = "acme-assets"\n}\n',
          },
          {
            file: 'infra/backend.tf',
            code: 'terraform {\n  backend "s3" {\n    bucket = "acme-terraform-state"\n    key    = "prod/terraform.tfstate"\n    region = "eu-west-1"\n  }\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n',
            note: 'An S3 backend locks only with `use_lockfile = true` or a `dynamodb_table`.',
          },
        ],
        valid: [
          {
            file: 'infra/backend.tf',
            code: 'terraform {\n  backend "s3" {\n    bucket       = "acme-terraform-state"\n    key          = "prod/terraform.tfstate"\n    region       = "eu-west-1"\n    use_lockfile = true\n  }\n}\n\nprovider "aws" {\n  region = "eu-west-1"\n}\n',
          },
          {
            file: 'modules/bucket/main.tf',
            code: 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
            note: 'A reusable module (no provider configuration) gets its backend from the root module that calls it.',
          },
        ],
      },
      peers: [],
      limitations: [
        'A root module is a folder with a `provider` block (or a backend) that no local module call uses; folders named `examples`, `test(s)` or `fixtures` are skipped. Root modules that configure no provider at all are not recognised.',
        'Repositories that use Terragrunt are skipped: Terragrunt generates the backend (`remote_state`).',
        'A backend given entirely through `-backend-config` still needs an empty `backend "<type>" {}` block, which this rule accepts; locking settings passed that way cannot be seen, so an S3 backend without locking arguments is reported at low confidence.',
        'State files over the size limit are skipped by discovery and cannot be reported; state files under example, test and fixture folders are taken as test data.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const project = await TerraformProject.load(ctx.model);
    const stateFiles = ctx.model.find(
      (f) => /(?:^|\/)[^/]*\.tfstate(?:\.backup|\.\d+\.backup)?$/.test(f.path) && !/(?:^|\/)\.terraform\//.test(f.path) && !TerraformProject.isNonProduction(f.path),
    );
    for (const f of stateFiles) ctx.report({ messageId: 'stateCommitted', path: f.path, line: 1, severity: 'medium', data: { path: f.path } });
    if (project.files.length === 0) {
      if (stateFiles.length === 0) ctx.notApplicable('no Terraform files');
      return;
    }
    if (ctx.model.find((f) => /(?:^|\/)terragrunt\.hcl$/.test(f.path)).length > 0) return;
    for (const mod of project.modules.values()) {
      if (!isRoot(project, mod)) continue;
      const backend = backendOf(mod);
      if (backend === 'unknown') continue;
      const anchor = mod.settings[0] ?? mod.providers[0];
      if (!anchor) continue;
      if (!backend || backend.kind === 'local') {
        const at = backend ?? { block: anchor.item, path: anchor.path };
        ctx.report({ messageId: 'localState', path: at.path, range: headerRange(project, at.path, at.block), data: { dir: mod.dir } });
        continue;
      }
      if (backend.kind === 'cloud' || lockingBackends.has(backend.kind)) continue;
      const value = (name: string) => project.valueIn(mod.dir, backend.block, name);
      let fix: string | undefined;
      if (backend.kind === 's3') {
        const lockfile = value('use_lockfile');
        const table = value('dynamodb_table');
        if (lockfile.kind === 'unknown' || table.kind === 'unknown') continue;
        if ((lockfile.kind === 'known' && isTruthy(lockfile.value) === true) || table.kind === 'known') continue;
        fix = 'Add `use_lockfile = true` (Terraform 1.10+) or a `dynamodb_table` to the backend';
      } else if (backend.kind === 'http') {
        const lock = value('lock_address');
        if (lock.kind !== 'absent') continue;
        fix = 'Set `lock_address` and `unlock_address` (GitLab-managed state supports them)';
      } else continue;
      // The arguments may also come from `-backend-config` on the command line.
      const empty = Object.keys(backend.block.attributes).length === 0;
      ctx.report({
        messageId: 'noLocking',
        path: backend.path,
        range: headerRange(project, backend.path, backend.block),
        confidence: empty ? 'low' : 'medium',
        data: { dir: mod.dir, backend: backend.kind, fix },
      });
    }
  },
});
