import { defineRule } from '../../../src/core/define-rule.js';
import type { Severity } from '../../../src/core/types.js';
import {
  attachments,
  confidenceOf,
  isTerraformLockTable,
  isTruthy,
  locate,
  targetKey,
  TerraformProject,
  via,
  type TfResource,
  type TfValue,
} from '../../_terraform/terraform.js';

const messages = {
  unencrypted:
    '{{resource}} stores data unencrypted at rest{{detail}}, so snapshots, backups and disks that leak or are shared expose it in clear text, and most compliance regimes fail it. Set `{{fix}}`; encryption cannot be switched on in place for most of these resources, so plan a replacement.',
  noKms:
    '{{resource}} has no `{{attribute}}`{{detail}}, so its messages are stored without server-side encryption. Set `{{attribute}}` to a KMS key (`alias/aws/{{service}}` or a customer-managed key).',
  s3DefaultOnly:
    '{{resource}} has no server-side encryption configuration: S3 still encrypts new objects with SSE-S3 by default, but nothing in code states it or lets you audit and restrict key use. Add an `aws_s3_bucket_server_side_encryption_configuration` (SSE-KMS for sensitive data).',
  providerKeyOnly:
    '{{resource}} is encrypted only with a key AWS owns or manages{{detail}}: the data is encrypted, but you cannot restrict the key with your own policy, share it across accounts or revoke it. If the data is sensitive, use a customer-managed KMS key ({{fix}}).',
} as const;
type MessageId = keyof typeof messages;

interface Problem {
  messageId: MessageId;
  resource: TfResource;
  value?: TfValue;
  severity: Severity;
  confidence?: 'high' | 'medium' | 'low';
  data?: Record<string, string>;
}

const isSet = (v: TfValue): boolean => v.kind !== 'absent';
const notTrue = (v: TfValue): boolean => v.kind === 'absent' || (v.kind === 'known' && isTruthy(v.value) === false);

/** A flag that must be true; the resource inherits encryption from one of `inherits` when that is set. */
function flag(project: TerraformProject, r: TfResource, attribute: string, severity: Severity, inherits: string[] = []): Problem[] {
  if (inherits.some((a) => isSet(project.value(r, a)))) return [];
  const v = project.value(r, attribute);
  if (!notTrue(v)) return [];
  // A KMS key without the flag is rejected by the API, so the author clearly meant to encrypt.
  if (isSet(project.value(r, 'kms_key_id'))) return [];
  return [{ messageId: 'unencrypted', resource: r, value: v, severity, confidence: confidenceOf(v), data: { fix: `${attribute} = true` } }];
}

function rdsInstance(project: TerraformProject, r: TfResource): Problem[] {
  const engine = project.value(r, 'engine');
  if (engine.kind === 'known' && typeof engine.value === 'string' && engine.value.startsWith('aurora')) return [];
  return flag(project, r, 'storage_encrypted', 'high', ['replicate_source_db', 'snapshot_identifier', 'restore_to_point_in_time']);
}

function rdsCluster(project: TerraformProject, r: TfResource): Problem[] {
  // Serverless v1 clusters are always encrypted; restored and replica clusters inherit from their source.
  const mode = project.value(r, 'engine_mode');
  if (mode.kind === 'unknown' || (mode.kind === 'known' && mode.value === 'serverless')) return [];
  return flag(project, r, 'storage_encrypted', 'high', ['snapshot_identifier', 'replication_source_identifier', 'global_cluster_identifier', 'restore_to_point_in_time', 'source_region']);
}

function elasticache(project: TerraformProject, r: TfResource): Problem[] {
  // Valkey replication groups are encrypted at rest by default; Redis OSS ones are not.
  const engine = project.value(r, 'engine');
  const v = project.value(r, 'at_rest_encryption_enabled');
  if (engine.kind === 'unknown' || (engine.kind === 'known' && engine.value !== 'redis' && v.kind === 'absent')) return [];
  if (!notTrue(v)) return [];
  return [{ messageId: 'unencrypted', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { fix: 'at_rest_encryption_enabled = true' } }];
}

function sqs(project: TerraformProject, r: TfResource): Problem[] {
  // SQS-managed encryption is on by default for new queues; only turning it off without a KMS key leaves them clear.
  if (isSet(project.value(r, 'kms_master_key_id'))) return [];
  const v = project.value(r, 'sqs_managed_sse_enabled');
  if (v.kind !== 'known' || isTruthy(v.value) !== false) return [];
  return [{ messageId: 'unencrypted', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { fix: 'sqs_managed_sse_enabled = true' } }];
}

function sns(project: TerraformProject, r: TfResource): Problem[] {
  const v = project.value(r, 'kms_master_key_id');
  if (v.kind !== 'absent') return [];
  return [{ messageId: 'noKms', resource: r, severity: 'low', data: { attribute: 'kms_master_key_id', service: 'sns' } }];
}

function dynamo(project: TerraformProject, r: TfResource): Problem[] {
  // Without `kms_key_arn`, DynamoDB uses its AWS-owned key, or the AWS-managed aws/dynamodb key when enabled.
  const enabled = project.value(r, 'server_side_encryption.enabled');
  const key = project.value(r, 'server_side_encryption.kms_key_arn');
  if (enabled.kind === 'unknown' || key.kind !== 'absent') return [];
  return [{ messageId: 'providerKeyOnly', resource: r, value: key, severity: 'info', data: { fix: '`server_side_encryption { enabled = true, kms_key_arn = ... }`' } }];
}

function secret(project: TerraformProject, r: TfResource): Problem[] {
  const v = project.value(r, 'kms_key_id');
  if (v.kind !== 'absent') return [];
  return [{ messageId: 'providerKeyOnly', resource: r, severity: 'info', data: { fix: '`kms_key_id`' } }];
}

export default defineRule({
  meta: {
    id: 'terraform-unencrypted-storage',
    category: 'security',
    checklist: 'SEC-12',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages,
    docs: {
      summary:
        'Terraform storage without encryption at rest: RDS/Aurora/DocumentDB/Neptune, EBS, EFS, ElastiCache, SQS with encryption turned off, SNS without KMS, and (informational) S3, DynamoDB and Secrets Manager relying on AWS-managed keys only.',
      why: 'Encryption at rest is what keeps disks, snapshots and backups unreadable when they are copied, shared by mistake or retired. For RDS, EBS, EFS and ElastiCache it is off unless asked for, and it can only be added later by rebuilding the resource, so the moment to get it right is the first `terraform apply`.',
      howToFix:
        'Set the resource\'s encryption flag (`storage_encrypted`, `encrypted`, `at_rest_encryption_enabled`) to true, ideally with `kms_key_id` pointing at a customer-managed key, or turn on EBS encryption by default for the account (`aws_ebs_encryption_by_default`). For existing resources, restore an encrypted copy from a snapshot and switch over.',
      examples: {
        invalid: [
          {
            file: 'infra/db.tf',
            code: 'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  instance_class = "db.t4g.medium"\n}\n',
          },
          {
            file: 'infra/volumes.tf',
            code: 'resource "aws_ebs_volume" "data" {\n  availability_zone = "eu-west-1a"\n  size              = 100\n  encrypted         = var.encrypt_volumes\n}\n\nvariable "encrypt_volumes" {\n  type    = bool\n  default = false\n}\n',
          },
        ],
        valid: [
          {
            file: 'infra/db.tf',
            code: 'resource "aws_db_instance" "main" {\n  engine            = "postgres"\n  instance_class    = "db.t4g.medium"\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.db.arn\n}\n',
          },
          {
            file: 'infra/volumes.tf',
            code: 'resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}\n\nresource "aws_ebs_volume" "data" {\n  availability_zone = "eu-west-1a"\n  size              = 100\n}\n',
            note: 'Account-wide EBS encryption by default covers volumes that do not set `encrypted`.',
          },
          {
            file: 'infra/bucket.tf',
            code: 'resource "aws_s3_bucket" "uploads" {\n  bucket = "acme-uploads"\n}\n\nresource "aws_s3_bucket_server_side_encryption_configuration" "uploads" {\n  bucket = aws_s3_bucket.uploads.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n    }\n  }\n}\n',
          },
        ],
      },
      peers: [
        'Checkov CKV_AWS_16 (RDS), CKV_AWS_96 (Aurora), CKV_AWS_3 (EBS), CKV_AWS_42 (EFS), CKV_AWS_29 (ElastiCache at rest), CKV_AWS_27 (SQS), CKV_AWS_26 (SNS), CKV_AWS_19 / CKV_AWS_145 (S3), CKV_AWS_119 (DynamoDB CMK), CKV_AWS_149 (Secrets Manager CMK)',
        'Trivy AVD-AWS-0080 / AVD-AWS-0079 (RDS instance / cluster), AVD-AWS-0026 (EBS), AVD-AWS-0037 (EFS), AVD-AWS-0045 (ElastiCache), AVD-AWS-0096 (SQS), AVD-AWS-0095 (SNS), AVD-AWS-0088 / AVD-AWS-0132 (S3), AVD-AWS-0025 (DynamoDB CMK), AVD-AWS-0098 (Secrets Manager CMK)',
      ],
      limitations: [
        'S3 has encrypted every new object with SSE-S3 since January 2023, DynamoDB and Secrets Manager always encrypt, and SQS enables SSE-SQS for new queues; for those the rule only reports at `info` (no customer-managed key) or when encryption is explicitly turned off.',
        'Resources restored from a snapshot, read replicas and secondary clusters inherit their source\'s encryption and are not reported. So are Aurora members declared as `aws_db_instance` (the cluster decides).',
        'GCP and Azure storage is encrypted by the platform by default and is not checked.',
        'Only `.tf` files are read (`.tf.json` is skipped); values come from literals, `locals` and `var.x` defaults, tfvars files and module callers in the repository; anything else is unknown and not reported. Folders named `examples`, `test(s)` or `fixtures` and files with syntax errors are skipped.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const project = await TerraformProject.load(ctx.model);
    if (project.files.length === 0) {
      ctx.notApplicable('no Terraform files');
      return;
    }
    const problems: Problem[] = [];
    const ebsDefault = project.resources.some((r) => {
      if (r.type !== 'aws_ebs_encryption_by_default') return false;
      const v = project.value(r, 'enabled');
      return v.kind !== 'known' || isTruthy(v.value) !== false;
    });
    let storage = 0;
    for (const r of project.resources) {
      switch (r.type) {
        case 'aws_db_instance':
          problems.push(...rdsInstance(project, r));
          break;
        case 'aws_rds_cluster':
          problems.push(...rdsCluster(project, r));
          break;
        case 'aws_docdb_cluster':
        case 'aws_neptune_cluster':
          problems.push(...flag(project, r, 'storage_encrypted', 'high', ['snapshot_identifier', 'global_cluster_identifier', 'replication_source_identifier']));
          break;
        case 'aws_ebs_volume':
          if (!ebsDefault) problems.push(...flag(project, r, 'encrypted', 'medium', ['snapshot_id']));
          break;
        case 'aws_efs_file_system':
          problems.push(...flag(project, r, 'encrypted', 'medium'));
          break;
        case 'aws_elasticache_replication_group':
          problems.push(...elasticache(project, r));
          break;
        case 'aws_sqs_queue':
          problems.push(...sqs(project, r));
          break;
        case 'aws_sns_topic':
          problems.push(...sns(project, r));
          break;
        case 'aws_dynamodb_table':
          if (isTerraformLockTable(project, r)) continue;
          problems.push(...dynamo(project, r));
          break;
        case 'aws_secretsmanager_secret':
          problems.push(...secret(project, r));
          break;
        case 'aws_s3_bucket':
          break;
        default:
          continue;
      }
      storage++;
    }

    const buckets = project.ofType('aws_s3_bucket');
    if (buckets.length > 0) {
      const sse = attachments(project, 'aws_s3_bucket', project.ofType('aws_s3_bucket_server_side_encryption_configuration'));
      for (const b of buckets) {
        const inline = b.block.blocks.some((c) => c.type === 'server_side_encryption_configuration' || (c.type === 'dynamic' && c.labels[0] === 'server_side_encryption_configuration'));
        if (inline || sse.coversAll || sse.coveredDirs.has(b.dir) || sse.byTarget.has(targetKey(b))) continue;
        problems.push({ messageId: 's3DefaultOnly', resource: b, severity: 'info' });
      }
    }

    if (storage === 0) {
      ctx.notApplicable('no storage resources declared in Terraform');
      return;
    }
    // Informational findings are grouped per file: fifty secrets on the AWS-managed key are one decision.
    const grouped = new Map<string, Problem[]>();
    for (const p of problems) {
      const group = p.severity === 'info' ? `${p.resource.path}\0${p.messageId}\0${p.resource.type}` : `${grouped.size}:${p.resource.address}:${p.messageId}`;
      grouped.set(group, [...(grouped.get(group) ?? []), p]);
    }
    for (const [first, ...rest] of grouped.values()) {
      const p = first!;
      const more = rest.length > 0 ? ` (and ${rest.length} more ${p.resource.type} in this file)` : '';
      ctx.report({
        messageId: p.messageId,
        ...locate(project, p.resource, p.value),
        severity: p.severity,
        ...(p.confidence ? { confidence: p.confidence } : {}),
        data: { resource: `\`${p.resource.address}\`${more}`, detail: p.value ? via(p.value) : '', ...p.data },
        key: `${p.resource.address}:${p.messageId}`,
      });
    }
  },
});
