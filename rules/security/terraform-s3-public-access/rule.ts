import { defineRule } from '../../../src/core/define-rule.js';
import { attachments, confidenceOf, headerRange, isTruthy, locate, targetKey, TerraformProject, via, type TfResource, type TfValue } from '../../_terraform/terraform.js';

const messages = {
  blockDisabled:
    '{{resource}} leaves {{flags}} off{{detail}}, so a bucket policy or ACL can make objects public (this resource overrides the all-on default AWS gives new buckets). Set all four flags to true unless the bucket is meant to be public, and then say why in a suppression.',
  publicAcl:
    '{{resource}} grants the `{{acl}}` canned ACL{{detail}}, so {{who}} can {{what}} the bucket\'s objects without credentials. Remove the ACL (keep `BucketOwnerEnforced` ownership) and serve public content through CloudFront with origin access control.',
  noBlock:
    '{{resource}} has no `aws_s3_bucket_public_access_block`: AWS blocks public access on new buckets by default, but nothing in code pins it, so a later console change or an older bucket can expose data. Add a public access block with all four flags set to true.',
} as const;

const flags = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;
const publicAcls: Record<string, { who: string; what: string; severity: 'high' | 'medium' }> = {
  'public-read': { who: 'anyone on the internet', what: 'list and read', severity: 'medium' },
  'public-read-write': { who: 'anyone on the internet', what: 'list, read, overwrite and delete', severity: 'high' },
  'authenticated-read': { who: 'any AWS account', what: 'list and read', severity: 'medium' },
};

/** The flags of a public access block that are not true; undefined when one of them cannot be evaluated. */
function offFlags(project: TerraformProject, r: TfResource): { off: string[]; first?: TfValue; fromDefault: boolean } | undefined {
  const off: string[] = [];
  let first: TfValue | undefined;
  let fromDefault = false;
  for (const flag of flags) {
    const v = project.value(r, flag);
    if (v.kind === 'unknown') return undefined;
    if (v.kind === 'known' && isTruthy(v.value) === true) continue;
    if (v.kind === 'known' && isTruthy(v.value) === undefined) return undefined;
    off.push(`\`${flag}\``);
    if (v.kind === 'known') {
      first ??= v;
      if (v.fromDefault) fromDefault = true;
    }
  }
  return { off, ...(first ? { first } : {}), fromDefault };
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export default defineRule({
  meta: {
    id: 'terraform-s3-public-access',
    category: 'security',
    checklist: 'SEC-12',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages,
    docs: {
      summary: 'S3 buckets in Terraform whose public access block is switched off or missing, or that grant a public canned ACL.',
      why: 'A public bucket is the most common way data at rest leaks from AWS. The account-wide default blocks public access on new buckets, but an `aws_s3_bucket_public_access_block` with a flag left out sets that flag to false, and a public ACL or bucket policy then exposes every object.',
      howToFix:
        'Give every bucket an `aws_s3_bucket_public_access_block` with `block_public_acls`, `block_public_policy`, `ignore_public_acls` and `restrict_public_buckets` all true (or one `aws_s3_account_public_access_block` for the account), drop public canned ACLs, and serve public assets through CloudFront with origin access control.',
      examples: {
        invalid: [
          {
            file: 'infra/assets.tf',
            code: 'resource "aws_s3_bucket" "assets" {\n  bucket = "acme-assets"\n}\n\nresource "aws_s3_bucket_public_access_block" "assets" {\n  bucket            = aws_s3_bucket.assets.id\n  block_public_acls = true\n  ignore_public_acls = true\n}\n',
            note: 'The two flags left out are false: bucket policies may now make the bucket public.',
          },
        ],
        valid: [
          {
            file: 'infra/assets.tf',
            code: 'resource "aws_s3_bucket" "assets" {\n  bucket = "acme-assets"\n}\n\nresource "aws_s3_bucket_public_access_block" "assets" {\n  bucket                  = aws_s3_bucket.assets.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n',
          },
          {
            file: 'infra/account.tf',
            code: 'resource "aws_s3_account_public_access_block" "this" {\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\nresource "aws_s3_bucket" "assets" {\n  bucket = "acme-assets"\n}\n',
            note: 'An account-wide block covers every bucket.',
          },
        ],
      },
      peers: [
        'Checkov CKV2_AWS_6 (bucket has a public access block), CKV_AWS_53 / CKV_AWS_54 / CKV_AWS_55 / CKV_AWS_56 (the four flags), CKV_AWS_20 / CKV_AWS_57 (public-read / public-read-write ACL)',
        'Trivy AVD-AWS-0094 (bucket has a public access block), AVD-AWS-0086 / AVD-AWS-0087 / AVD-AWS-0091 / AVD-AWS-0093 (the four flags), AVD-AWS-0092 (public ACL)',
      ],
      limitations: [
        'A bucket without a public access block is reported at `info` only: since April 2023 AWS enables all four flags on new buckets and disables ACLs by default.',
        'Bucket policies are not evaluated: a block with flags off is reported whether or not a policy actually grants public access. Buckets meant to be public (static sites) need a suppression with the reason.',
        'A public access block whose `bucket` cannot be tied to a bucket (a variable, a module output) is assumed to cover the buckets it may refer to, so they are not reported as missing one.',
        'Only `.tf` files are read; folders named `examples`, `test(s)` or `fixtures` and files with syntax errors are skipped.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const project = await TerraformProject.load(ctx.model);
    const buckets = project.ofType('aws_s3_bucket');
    if (buckets.length === 0) {
      ctx.notApplicable(project.files.length === 0 ? 'no Terraform files with S3 buckets' : 'no S3 buckets declared in Terraform');
      return;
    }
    const report = (messageId: keyof typeof messages, r: TfResource, value: TfValue | undefined, data: Record<string, string>, severity?: 'high' | 'medium' | 'low' | 'info', confidence?: 'high' | 'medium') =>
      ctx.report({
        messageId,
        ...locate(project, r, value),
        data: { resource: `\`${r.address}\``, detail: value ? via(value) : '', ...data },
        ...(severity ? { severity } : {}),
        ...(confidence ? { confidence } : {}),
        key: `${r.address}:${messageId}`,
      });

    // An account-wide block with every flag on covers every bucket; one we cannot evaluate might.
    const accountBlocks = project.ofType('aws_s3_account_public_access_block');
    const accountCovers = accountBlocks.some((r) => {
      const state = offFlags(project, r);
      return state === undefined || state.off.length === 0;
    });
    for (const r of accountBlocks) {
      const state = offFlags(project, r);
      if (state && state.off.length > 0) {
        report('blockDisabled', r, state.first, { flags: list(state.off) }, 'medium', state.fromDefault ? 'medium' : 'high');
      }
    }

    const blocks = project.ofType('aws_s3_bucket_public_access_block');
    for (const r of blocks) {
      const state = offFlags(project, r);
      if (!state || state.off.length === 0) continue;
      report('blockDisabled', r, state.first, { flags: list(state.off) }, 'medium', state.fromDefault ? 'medium' : 'high');
    }

    for (const r of [...buckets, ...project.ofType('aws_s3_bucket_acl')]) {
      const acl = project.value(r, 'acl');
      if (acl.kind !== 'known' || typeof acl.value !== 'string') continue;
      const grant = publicAcls[acl.value];
      if (grant) report('publicAcl', r, acl, { acl: acl.value, who: grant.who, what: grant.what }, grant.severity, confidenceOf(acl));
    }

    if (accountCovers) return;
    const attached = attachments(project, 'aws_s3_bucket', blocks);
    for (const b of buckets) {
      if (attached.coversAll || attached.coveredDirs.has(b.dir) || attached.byTarget.has(targetKey(b))) continue;
      ctx.report({
        messageId: 'noBlock',
        path: b.path,
        range: headerRange(project, b.path, b.block),
        severity: 'info',
        data: { resource: `\`${b.address}\`` },
        key: `${b.address}:noBlock`,
      });
    }
  },
});
