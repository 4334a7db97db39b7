import { defineRule, type RepoContext } from '../../../src/core/define-rule.js';
import { option } from '../../../src/core/options.js';
import type { Severity } from '../../../src/core/types.js';
import { asNumber, confidenceOf, isTerraformLockTable, isTruthy, locate, TerraformProject, via, type TfResource, type TfValue } from '../../_terraform/terraform.js';

const messages = {
  backupsDisabled:
    '{{resource}} has automated backups turned off{{detail}}, so a bad migration, a dropped table or a corrupted volume cannot be undone. Turn them on: {{fix}}.',
  shortRetention:
    '{{resource}} keeps automated backups for only {{days}} day(s){{detail}}, below the {{minimum}} days this rule is configured to expect, so damage noticed later than that cannot be restored. Raise `{{attribute}}`.',
  noPitr:
    '{{resource}} takes backups but has no point-in-time recovery{{detail}}, so a restore loses every write since the last daily backup. Enable it: {{fix}}.',
  tableNoPitr:
    '{{resource}} has no point-in-time recovery{{detail}}: DynamoDB keeps no automatic backups without it, so a bad write or a deleted item cannot be restored. Add `point_in_time_recovery { enabled = true }`.',
  noDeletionProtection:
    '{{resource}} has no deletion protection{{detail}}, so a mistaken destroy, a replacement forced by a changed attribute or a console click deletes the database. Set `{{attribute}} = true` and turn it off deliberately before a planned removal.',
  skipFinalSnapshot:
    '{{resource}} sets `skip_final_snapshot = true`{{detail}}, so deleting or replacing it keeps no final snapshot and the data is gone. Remove the setting (or set it to false) and name a `final_snapshot_identifier`.',
  noGeoBackup:
    '{{resource}} keeps its backups in one region only{{detail}}, so a regional outage takes the database and its backups down together. Set `geo_redundant_backup_enabled = true` where the pricing tier allows it.',
} as const;
type MessageId = keyof typeof messages;

const options = {
  minimumRetentionDays: option.number(
    'Backup retention (days) below which a database is reported. The default, 1, reports only disabled backups; production teams often require 7 or more.',
    1,
    { min: 1, max: 35 },
  ),
};

interface Finding {
  messageId: MessageId;
  resource: TfResource;
  value?: TfValue;
  severity: Severity;
  /** Lower when the provider default, not a written value, is what makes the setting wrong. */
  confidence?: 'high' | 'medium' | 'low';
  data?: Record<string, string | number>;
}

const rdsClusters = ['aws_rds_cluster', 'aws_docdb_cluster', 'aws_neptune_cluster'];
const managedDatabases = [
  'aws_db_instance',
  ...rdsClusters,
  'aws_dynamodb_table',
  'google_sql_database_instance',
  'azurerm_postgresql_flexible_server',
  'azurerm_mysql_flexible_server',
];

const isSet = (v: TfValue): boolean => v.kind !== 'absent';
const isFalse = (v: TfValue): boolean => v.kind === 'absent' || (v.kind === 'known' && isTruthy(v.value) === false);
const knownFalse = (v: TfValue): boolean => v.kind === 'known' && isTruthy(v.value) === false;

function deletionProtection(project: TerraformProject, r: TfResource, attribute: string, severity: Severity): Finding[] {
  const v = project.value(r, attribute);
  if (!isFalse(v)) return [];
  // Absent: the team may run a throw-away database on purpose; a written `false` is a decision.
  return [{ messageId: 'noDeletionProtection', resource: r, value: v, severity, confidence: v.kind === 'absent' ? 'medium' : confidenceOf(v), data: { attribute } }];
}

function retention(project: TerraformProject, r: TfResource, attribute: string, fallback: number, minimum: number, allowsZero: boolean, fix: string): Finding[] {
  const v = project.value(r, attribute);
  if (v.kind === 'unknown') return [];
  const days = v.kind === 'known' ? asNumber(v.value) : fallback;
  if (days === undefined) return [];
  if (days === 0 && allowsZero) return [{ messageId: 'backupsDisabled', resource: r, value: v, severity: 'high', confidence: confidenceOf(v), data: { fix } }];
  if (days < minimum) return [{ messageId: 'shortRetention', resource: r, value: v, severity: 'low', confidence: confidenceOf(v), data: { days, minimum, attribute } }];
  return [];
}

function rdsInstance(project: TerraformProject, r: TfResource, minimum: number): Finding[] {
  // A read replica takes its data from the source; Aurora members are governed by their cluster.
  if (isSet(project.value(r, 'replicate_source_db'))) return [];
  const engine = project.value(r, 'engine');
  if (engine.kind === 'known' && typeof engine.value === 'string' && engine.value.startsWith('aurora')) return [];
  const out: Finding[] = [];
  // The provider leaves backup_retention_period to the RDS API, whose default is 1 day.
  out.push(...retention(project, r, 'backup_retention_period', 1, minimum, true, 'set `backup_retention_period` to 7 or more'));
  out.push(...deletionProtection(project, r, 'deletion_protection', 'medium'));
  const skip = project.value(r, 'skip_final_snapshot');
  if (skip.kind === 'known' && isTruthy(skip.value) === true) out.push({ messageId: 'skipFinalSnapshot', resource: r, value: skip, severity: 'medium', confidence: confidenceOf(skip) });
  return out;
}

function rdsCluster(project: TerraformProject, r: TfResource, minimum: number): Finding[] {
  const out: Finding[] = [];
  // The API default is 1 day; a written 0 (which most cluster engines reject) still states the intent to go without.
  out.push(...retention(project, r, 'backup_retention_period', 1, minimum, true, 'set `backup_retention_period` to 7 or more'));
  out.push(...deletionProtection(project, r, 'deletion_protection', 'medium'));
  const skip = project.value(r, 'skip_final_snapshot');
  if (skip.kind === 'known' && isTruthy(skip.value) === true) out.push({ messageId: 'skipFinalSnapshot', resource: r, value: skip, severity: 'medium', confidence: confidenceOf(skip) });
  return out;
}

function dynamoTable(project: TerraformProject, r: TfResource): Finding[] {
  const out: Finding[] = [];
  const pitr = project.value(r, 'point_in_time_recovery.enabled');
  if (isFalse(pitr)) out.push({ messageId: 'tableNoPitr', resource: r, value: pitr, severity: 'medium', confidence: confidenceOf(pitr) });
  out.push(...deletionProtection(project, r, 'deletion_protection_enabled', 'low'));
  return out;
}

/** Versions whose Enterprise edition has point-in-time recovery off unless asked for (Enterprise Plus turns it on). */
function pitrAttribute(version: string): 'point_in_time_recovery_enabled' | 'binary_log_enabled' | undefined {
  if (/^POSTGRES_/.test(version)) return 'point_in_time_recovery_enabled';
  if (/^SQLSERVER_/.test(version)) return 'point_in_time_recovery_enabled';
  if (/^MYSQL_/.test(version)) return 'binary_log_enabled';
  return undefined;
}

/** Versions that Cloud SQL may create as Enterprise Plus when no edition is written (PostgreSQL 16+, MySQL 8.4+). */
function mayDefaultToEnterprisePlus(version: string): boolean {
  const pg = /^POSTGRES_(\d+)/.exec(version);
  if (pg) return Number(pg[1]) >= 16;
  const my = /^MYSQL_(\d+)_(\d+)/.exec(version);
  if (my) return Number(my[1]) > 8 || (Number(my[1]) === 8 && Number(my[2]) >= 4);
  return /^SQLSERVER_/.test(version);
}

function cloudSql(project: TerraformProject, r: TfResource): Finding[] {
  if (isSet(project.value(r, 'master_instance_name'))) return [];
  const out: Finding[] = [];
  const guard = project.value(r, 'deletion_protection');
  // The provider's own guard defaults to true: only a written false is reported.
  if (knownFalse(guard)) out.push({ messageId: 'noDeletionProtection', resource: r, value: guard, severity: 'medium', confidence: confidenceOf(guard), data: { attribute: 'deletion_protection' } });
  const enabled = project.value(r, 'settings.backup_configuration.enabled');
  if (isFalse(enabled)) {
    out.push({
      messageId: 'backupsDisabled',
      resource: r,
      value: enabled,
      severity: 'high',
      confidence: confidenceOf(enabled),
      data: { fix: 'add `backup_configuration { enabled = true }` under `settings`' },
    });
    return out;
  }
  if (enabled.kind !== 'known') return out;
  const version = project.value(r, 'database_version');
  const edition = project.value(r, 'settings.edition');
  if (version.kind !== 'known' || typeof version.value !== 'string') return out;
  const attribute = pitrAttribute(version.value);
  if (!attribute) return out;
  if (edition.kind === 'unknown') return out;
  const editionName = edition.kind === 'known' ? String(edition.value) : undefined;
  if (editionName === 'ENTERPRISE_PLUS') return out;
  if (editionName === undefined && mayDefaultToEnterprisePlus(version.value)) return out;
  const pitr = project.value(r, `settings.backup_configuration.${attribute}`);
  if (isFalse(pitr)) {
    out.push({
      messageId: 'noPitr',
      resource: r,
      value: pitr,
      severity: 'medium',
      confidence: confidenceOf(pitr),
      data: { fix: `set \`${attribute} = true\` in \`settings.backup_configuration\`` },
    });
  }
  return out;
}

function azureFlexible(project: TerraformProject, r: TfResource, minimum: number): Finding[] {
  const mode = project.value(r, 'create_mode');
  if (mode.kind === 'known' && mode.value === 'Replica') return [];
  if (mode.kind === 'unknown') return [];
  const out: Finding[] = [];
  out.push(...retention(project, r, 'backup_retention_days', 7, minimum, false, ''));
  const geo = project.value(r, 'geo_redundant_backup_enabled');
  if (isFalse(geo)) out.push({ messageId: 'noGeoBackup', resource: r, value: geo, severity: 'low', confidence: geo.kind === 'absent' ? 'medium' : confidenceOf(geo) });
  return out;
}

function report(ctx: RepoContext<MessageId, { minimumRetentionDays: number }>, project: TerraformProject, f: Finding): void {
  ctx.report({
    messageId: f.messageId,
    ...locate(project, f.resource, f.value),
    severity: f.severity,
    ...(f.confidence ? { confidence: f.confidence } : {}),
    data: { resource: `\`${f.resource.address}\``, detail: f.value ? via(f.value) : '', ...f.data },
    key: `${f.resource.address}:${f.messageId}`,
  });
}

export default defineRule({
  meta: {
    id: 'terraform-database-backups',
    category: 'database',
    checklist: 'DB-6',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages,
    options,
    docs: {
      summary:
        'Terraform databases without automated backups, point-in-time recovery or protection against deletion (RDS, Aurora, DocumentDB, Neptune, DynamoDB, Cloud SQL, Azure flexible servers).',
      why: 'The database is the one part of a SaaS that cannot be rebuilt from code. Backups turned off, no point-in-time recovery, or a database that one `terraform destroy` (or an attribute change that forces replacement) deletes without a final snapshot turn an ordinary mistake into permanent data loss.',
      howToFix:
        'Keep automated backups on with a retention that covers how long problems take to notice (7–35 days), enable point-in-time recovery, set deletion protection on production databases, and never skip the final snapshot. Put environment differences in variables (`deletion_protection = var.is_production`) rather than turning protections off everywhere.',
      examples: {
        invalid: [
          {
            file: 'infra/db.tf',
            code: 'resource "aws_db_instance" "main" {\n  engine                  = "postgres"\n  instance_class          = "db.t4g.medium"\n  backup_retention_period = 0\n  deletion_protection     = true\n}\n',
          },
          {
            file: 'infra/tables.tf',
            code: 'resource "aws_dynamodb_table" "orders" {\n  name                        = "orders"\n  billing_mode                = "PAY_PER_REQUEST"\n  hash_key                    = "id"\n  deletion_protection_enabled = true\n\n  attribute {\n    name = "id"\n    type = "S"\n  }\n}\n',
            note: 'Without `point_in_time_recovery`, DynamoDB keeps no automatic backups.',
          },
          {
            file: 'modules/db/main.tf',
            code: 'resource "aws_rds_cluster" "main" {\n  engine                  = "aurora-postgresql"\n  backup_retention_period = 14\n  deletion_protection     = var.deletion_protection\n}\n',
            context: { 'modules/db/variables.tf': 'variable "deletion_protection" {\n  type    = bool\n  default = false\n}\n' },
            note: 'A variable whose default is false counts as false, unless a caller in the repository or a tfvars file sets it.',
          },
        ],
        valid: [
          {
            file: 'infra/db.tf',
            code: 'resource "aws_db_instance" "main" {\n  engine                    = "postgres"\n  instance_class            = "db.t4g.medium"\n  backup_retention_period   = 14\n  deletion_protection       = true\n  final_snapshot_identifier = "main-final"\n}\n',
          },
          {
            file: 'infra/db.tf',
            code: 'resource "aws_db_instance" "main" {\n  engine                  = "postgres"\n  backup_retention_period = 14\n  deletion_protection     = var.environment == "production"\n}\n',
            note: 'An expression that cannot be evaluated statically is not reported.',
          },
        ],
      },
      peers: [
        'Checkov CKV_AWS_133 (RDS backup retention), CKV_AWS_293 / CKV_AWS_139 (RDS instance / cluster deletion protection), CKV_AWS_28 (DynamoDB point-in-time recovery), CKV_GCP_14 (Cloud SQL backups), CKV_AZURE_136 (PostgreSQL flexible server geo-redundant backups)',
        'Trivy AVD-AWS-0077 (RDS backup retention), AVD-AWS-0177 / AVD-AWS-0343 (RDS deletion protection), AVD-AWS-0024 (DynamoDB recovery), AVD-GCP-0024 (Cloud SQL backups)',
      ],
      limitations: [
        'Only `.tf` files are read; `.tf.json`, CDK, Pulumi and CloudFormation databases are not checked.',
        'Values are evaluated from literals, `locals` and `var.x` (a tfvars file, the module callers in the repository, then the default). Anything else — conditionals, functions, remote state, `TF_VAR_` variables set in CI — is treated as unknown and not reported.',
        'Databases created through registry modules (`source = "terraform-aws-modules/rds/aws"`) are not looked into; only resources declared in the repository are.',
        'Folders named `examples`, `test(s)` or `fixtures` are skipped as non-production. Files with syntax errors are skipped.',
        'A missing `backup_retention_period` is taken as the RDS API default of 1 day; a missing `backup_retention_days` on Azure flexible servers as 7 days.',
        'Cloud SQL point-in-time recovery is only checked when the edition is known not to be Enterprise Plus (which enables it by default).',
        'Backups made outside the resource (AWS Backup plans, snapshots by scripts) are not recognised.',
        'Terraform\'s own state-lock tables (`hash_key = "LockID"`) are not databases and are skipped. Azure single servers (retired) and Cosmos DB are not checked.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const project = await TerraformProject.load(ctx.model);
    const databases = project.ofType(...managedDatabases).filter((r) => !isTerraformLockTable(project, r));
    if (databases.length === 0) {
      ctx.notApplicable(project.files.length === 0 ? 'no Terraform files' : 'no database resources declared in Terraform');
      return;
    }
    const minimum = ctx.options.minimumRetentionDays;
    for (const r of databases) {
      const findings =
        r.type === 'aws_db_instance'
          ? rdsInstance(project, r, minimum)
          : rdsClusters.includes(r.type)
            ? rdsCluster(project, r, minimum)
            : r.type === 'aws_dynamodb_table'
              ? dynamoTable(project, r)
              : r.type === 'google_sql_database_instance'
                ? cloudSql(project, r)
                : azureFlexible(project, r, minimum);
      for (const f of findings) report(ctx, project, f);
    }
  },
});
