import { defineRule } from '../../../src/core/define-rule.js';
import type { HclBlock } from '../../../src/audit/parsers/hcl.js';
import type { Severity } from '../../../src/core/types.js';
import { blocksAt, confidenceOf, headerRange, isTruthy, locate, TerraformProject, via, type TfResource, type TfValue } from '../../_terraform/terraform.js';

const messages = {
  httpListener:
    '{{resource}} serves plain HTTP on port {{port}}{{detail}}, so credentials, session cookies and tenant data cross the network unencrypted and can be read or altered in transit. {{fix}}.',
  weakTls:
    '{{resource}} allows TLS versions below 1.2 ({{setting}}){{detail}}; TLS 1.0 and 1.1 have known weaknesses and fail PCI DSS and most security baselines. Use {{fix}}.',
  defaultTlsPolicy:
    '{{resource}} sets no `ssl_policy`, so AWS applies `ELBSecurityPolicy-2016-08`, which still accepts TLS 1.0 and 1.1. Set `ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"` (or a newer TLS 1.2+ policy).',
  viewerHttp:
    '{{resource}} lets viewers use plain HTTP (`viewer_protocol_policy = "allow-all"`){{detail}}, so pages, cookies and tokens travel unencrypted between browsers and CloudFront. Use `redirect-to-https` or `https-only`.',
  plaintextAllowed:
    '{{resource}} accepts unencrypted connections ({{setting}}){{detail}}, so data and credentials can cross the network in clear text. {{fix}}.',
  dbSslNotForced:
    '{{resource}} does not force TLS for database connections ({{setting}}){{detail}}, so a client that does not ask for TLS sends queries and passwords in clear text. Set `{{parameter}}` to `{{required}}` in a `parameter` block.',
} as const;
type MessageId = keyof typeof messages;

interface Problem {
  messageId: MessageId;
  resource: TfResource;
  value?: TfValue;
  /** Where to point when no attribute was written (a nested block). */
  block?: HclBlock;
  severity: Severity;
  confidence?: 'high' | 'medium' | 'low';
  data?: Record<string, string | number>;
}

/** ELB policies whose minimum protocol is below TLS 1.2 (the TLS 1.2+ names contain `1-2`, `TLS13-1-2` or `TLS13-1-3`). */
const weakElbPolicy = /^ELBSecurityPolicy-(?:2015-05|2016-08|TLS-1-0-|TLS-1-1-|FS-2018-06|FS-1-1-|TLS13-1-0-|TLS13-1-1-)/;
const weakCloudFront = new Set(['SSLv3', 'TLSv1', 'TLSv1_2016', 'TLSv1.1_2016']);

const str = (v: TfValue): string | undefined => (v.kind === 'known' && typeof v.value === 'string' ? v.value : undefined);

function loadBalancerOf(project: TerraformProject, listener: TfResource): TfResource | undefined {
  const arn = listener.block.attributes.load_balancer_arn;
  if (!arn) return undefined;
  for (const type of ['aws_lb', 'aws_alb']) {
    const [name] = TerraformProject.referencesTo(arn.text, type);
    if (name) return project.inModule(listener.dir, type).find((r) => r.name === name);
  }
  return undefined;
}

/** Whether a listener's traffic ends up forwarded over HTTP: false for an HTTPS redirect or a fixed response. */
function servesContent(project: TerraformProject, listener: TfResource): boolean | undefined {
  const { blocks, dynamic } = blocksAt(listener.block, 'default_action');
  if (dynamic || blocks.length === 0) return undefined;
  const kinds = blocks.map((action) => {
    const type = str(project.valueIn(listener.dir, action, 'type'));
    if (type === undefined) return undefined;
    if (type === 'redirect') {
      const protocol = project.valueIn(listener.dir, action, 'redirect.protocol');
      // "#{protocol}" (the default) keeps HTTP: a redirect to another host or path over plain HTTP.
      if (protocol.kind === 'unknown') return undefined;
      return str(protocol)?.toUpperCase() === 'HTTPS' ? false : protocol.kind === 'absent' ? undefined : true;
    }
    if (type === 'fixed-response') return false;
    return true;
  });
  if (kinds.some((k) => k === undefined)) return undefined;
  if (kinds.some((k) => k === true)) return true;
  // A fixed-response default with listener rules forwarding traffic still serves the application over HTTP.
  const rules = project.inModule(listener.dir, 'aws_lb_listener_rule', 'aws_alb_listener_rule');
  return rules.some((rule) => {
    const arn = rule.block.attributes.listener_arn?.text ?? '';
    if (![...TerraformProject.referencesTo(arn, 'aws_lb_listener'), ...TerraformProject.referencesTo(arn, 'aws_alb_listener')].includes(listener.name)) return false;
    return blocksAt(rule.block, 'action').blocks.some((a) => {
      const type = str(project.valueIn(rule.dir, a, 'type'));
      return type === 'forward' || type?.startsWith('authenticate');
    });
  });
}

function listener(project: TerraformProject, r: TfResource): Problem[] {
  const lb = loadBalancerOf(project, r);
  const lbType = lb ? project.value(lb, 'load_balancer_type') : undefined;
  const isApplication = lbType !== undefined && (lbType.kind === 'absent' || str(lbType) === 'application');
  const protocolValue = project.value(r, 'protocol');
  if (protocolValue.kind === 'unknown') return [];
  // The provider defaults the protocol to HTTP for application load balancers only.
  const protocol = protocolValue.kind === 'absent' ? (isApplication ? 'HTTP' : undefined) : str(protocolValue)?.toUpperCase();
  if (protocol === undefined) return [];
  // Inside a VPC the exposure is smaller, but TLS still guards against anything that can see the traffic.
  const internal = lb ? project.value(lb, 'internal') : undefined;
  const isInternal = internal?.kind === 'known' && isTruthy(internal.value) === true;
  if (protocol === 'HTTP') {
    if (servesContent(project, r) !== true) return [];
    const port = project.value(r, 'port');
    return [
      {
        messageId: 'httpListener',
        resource: r,
        value: protocolValue,
        severity: isInternal ? 'low' : 'medium',
        confidence: confidenceOf(protocolValue),
        data: { port: port.kind === 'known' ? String(port.value) : '?', fix: 'Serve HTTPS, and make this listener\'s default action a `redirect` to `HTTPS` with `status_code = "HTTP_301"`' },
      },
    ];
  }
  if (protocol === 'HTTPS' || protocol === 'TLS') {
    const policy = project.value(r, 'ssl_policy');
    if (policy.kind === 'absent') return [{ messageId: 'defaultTlsPolicy', resource: r, severity: isInternal ? 'low' : 'medium' }];
    const name = str(policy);
    if (name && weakElbPolicy.test(name)) {
      return [{ messageId: 'weakTls', resource: r, value: policy, severity: isInternal ? 'low' : 'medium', confidence: confidenceOf(policy), data: { setting: `\`ssl_policy = "${name}"\``, fix: '`ELBSecurityPolicy-TLS13-1-2-2021-06` or another TLS 1.2+ policy' } }];
    }
  }
  return [];
}

function classicElb(project: TerraformProject, r: TfResource): Problem[] {
  const out: Problem[] = [];
  for (const block of blocksAt(r.block, 'listener').blocks) {
    const v = project.valueIn(r.dir, block, 'lb_protocol');
    if (str(v)?.toLowerCase() !== 'http') continue;
    const port = project.valueIn(r.dir, block, 'lb_port');
    out.push({
      messageId: 'httpListener',
      resource: r,
      value: v,
      severity: 'medium',
      confidence: confidenceOf(v),
      data: { port: port.kind === 'known' ? String(port.value) : '?', fix: 'Use an `https` listener with an ACM certificate; a Classic Load Balancer cannot redirect, so move to an ALB to send HTTP users to HTTPS' },
    });
  }
  return out;
}

function cloudfront(project: TerraformProject, r: TfResource): Problem[] {
  const out: Problem[] = [];
  for (const path of ['default_cache_behavior', 'ordered_cache_behavior']) {
    for (const behavior of blocksAt(r.block, path).blocks) {
      const v = project.valueIn(r.dir, behavior, 'viewer_protocol_policy');
      if (str(v) === 'allow-all') out.push({ messageId: 'viewerHttp', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v) });
    }
  }
  const { blocks, dynamic } = blocksAt(r.block, 'viewer_certificate');
  const certificate = blocks[0];
  if (dynamic || !certificate) return out;
  // With the *.cloudfront.net certificate the minimum version cannot be chosen; only custom certificates are judged.
  const defaultCert = project.valueIn(r.dir, certificate, 'cloudfront_default_certificate');
  if (defaultCert.kind !== 'absent' && !(defaultCert.kind === 'known' && isTruthy(defaultCert.value) === false)) return out;
  const custom = ['acm_certificate_arn', 'iam_certificate_id'].some((a) => project.valueIn(r.dir, certificate, a).kind !== 'absent');
  if (!custom) return out;
  const min = project.valueIn(r.dir, certificate, 'minimum_protocol_version');
  if (min.kind === 'unknown') return out;
  // The provider's default is TLSv1.
  const version = min.kind === 'absent' ? 'TLSv1' : str(min);
  if (version && weakCloudFront.has(version)) {
    out.push({
      messageId: 'weakTls',
      resource: r,
      value: min,
      block: certificate,
      severity: 'medium',
      confidence: confidenceOf(min),
      data: { setting: min.kind === 'absent' ? '`minimum_protocol_version` defaults to `TLSv1`' : `\`minimum_protocol_version = "${version}"\``, fix: '`minimum_protocol_version = "TLSv1.2_2021"`' },
    });
  }
  return out;
}

function parameterGroup(project: TerraformProject, r: TfResource): Problem[] {
  const family = str(project.value(r, 'family'));
  if (!family) return [];
  const { blocks, dynamic } = blocksAt(r.block, 'parameter');
  const valueOf = (name: string): TfValue | undefined => {
    for (const p of blocks) {
      const n = project.valueIn(r.dir, p, 'name');
      if (n.kind === 'unknown') return { kind: 'unknown' };
      if (str(n) === name) return project.valueIn(r.dir, p, 'value');
    }
    return dynamic ? { kind: 'unknown' } : undefined;
  };
  const postgres = /^(?:aurora-)?postgres(?:ql)?(\d+)/.exec(family);
  if (postgres) {
    const v = valueOf('rds.force_ssl');
    if (v?.kind === 'unknown') return [];
    const setting = v && v.kind === 'known' ? String(v.value) : undefined;
    if (setting === '1' || setting === 'true') return [];
    // RDS for PostgreSQL 15+ forces SSL by default; older engines and Aurora leave it off.
    const major = Number(postgres[1]);
    const defaultOff = family.startsWith('aurora') ? false : major < 15;
    if (setting === undefined && !defaultOff) return [];
    return [
      {
        messageId: 'dbSslNotForced',
        resource: r,
        ...(v ? { value: v } : {}),
        severity: setting === undefined ? 'low' : 'medium',
        data: { setting: setting === undefined ? `\`rds.force_ssl\` defaults to 0 on \`${family}\`` : `\`rds.force_ssl = ${setting}\``, parameter: 'rds.force_ssl', required: '1' },
      },
    ];
  }
  if (/^(?:aurora-)?(?:mysql|mariadb)/.test(family)) {
    const v = valueOf('require_secure_transport');
    if (v?.kind !== 'known') return [];
    const setting = String(v.value);
    if (!/^(?:0|off|false)$/i.test(setting)) return [];
    return [{ messageId: 'dbSslNotForced', resource: r, value: v, severity: 'medium', data: { setting: `\`require_secure_transport = ${setting}\``, parameter: 'require_secure_transport', required: '1' } }];
  }
  return [];
}

function elasticache(project: TerraformProject, r: TfResource): Problem[] {
  const engine = project.value(r, 'engine');
  if (engine.kind === 'unknown') return [];
  const v = project.value(r, 'transit_encryption_enabled');
  if (v.kind === 'unknown') return [];
  const enabled = v.kind === 'known' ? isTruthy(v.value) : undefined;
  // Valkey groups created without the flag get encryption in transit; Redis OSS ones do not.
  if (v.kind === 'absent' && engine.kind === 'known' && engine.value !== 'redis') return [];
  if (enabled === true) {
    const mode = project.value(r, 'transit_encryption_mode');
    if (str(mode) === 'preferred') {
      return [{ messageId: 'plaintextAllowed', resource: r, value: mode, severity: 'low', confidence: confidenceOf(mode), data: { setting: '`transit_encryption_mode = "preferred"`', fix: 'Switch to `transit_encryption_mode = "required"` once every client connects with TLS' } }];
    }
    return [];
  }
  return [
    {
      messageId: 'plaintextAllowed',
      resource: r,
      value: v,
      severity: 'medium',
      confidence: confidenceOf(v),
      data: { setting: v.kind === 'absent' ? '`transit_encryption_enabled` is false by default' : '`transit_encryption_enabled = false`', fix: 'Set `transit_encryption_enabled = true` (with an `auth_token` or user group) and connect with TLS' },
    },
  ];
}

function msk(project: TerraformProject, r: TfResource): Problem[] {
  const v = project.value(r, 'encryption_info.encryption_in_transit.client_broker');
  const setting = str(v);
  if (setting !== 'PLAINTEXT' && setting !== 'TLS_PLAINTEXT') return [];
  return [{ messageId: 'plaintextAllowed', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { setting: `\`client_broker = "${setting}"\``, fix: 'Set `client_broker = "TLS"`' } }];
}

function apiGatewayDomain(project: TerraformProject, r: TfResource): Problem[] {
  const v = project.value(r, 'security_policy');
  if (str(v) !== 'TLS_1_0') return [];
  return [{ messageId: 'weakTls', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { setting: '`security_policy = "TLS_1_0"`', fix: '`security_policy = "TLS_1_2"`' } }];
}

function openSearch(project: TerraformProject, r: TfResource): Problem[] {
  const out: Problem[] = [];
  const https = project.value(r, 'domain_endpoint_options.enforce_https');
  if (https.kind === 'known' && isTruthy(https.value) === false) {
    out.push({ messageId: 'plaintextAllowed', resource: r, value: https, severity: 'medium', confidence: confidenceOf(https), data: { setting: '`enforce_https = false`', fix: 'Set `enforce_https = true`' } });
  }
  const policy = project.value(r, 'domain_endpoint_options.tls_security_policy');
  if (str(policy) === 'Policy-Min-TLS-1-0-2019-07') {
    out.push({ messageId: 'weakTls', resource: r, value: policy, severity: 'medium', confidence: confidenceOf(policy), data: { setting: '`tls_security_policy = "Policy-Min-TLS-1-0-2019-07"`', fix: '`tls_security_policy = "Policy-Min-TLS-1-2-2019-07"` (or the PFS 2023 policy)' } });
  }
  return out;
}

function azureStorage(project: TerraformProject, r: TfResource): Problem[] {
  const out: Problem[] = [];
  const tls = project.value(r, 'min_tls_version');
  const version = str(tls);
  if (version === 'TLS1_0' || version === 'TLS1_1') {
    out.push({ messageId: 'weakTls', resource: r, value: tls, severity: 'medium', confidence: confidenceOf(tls), data: { setting: `\`min_tls_version = "${version}"\``, fix: '`min_tls_version = "TLS1_2"`' } });
  }
  for (const attribute of ['https_traffic_only_enabled', 'enable_https_traffic_only']) {
    const v = project.value(r, attribute);
    if (v.kind === 'known' && isTruthy(v.value) === false) {
      out.push({ messageId: 'plaintextAllowed', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { setting: `\`${attribute} = false\``, fix: `Set \`${attribute} = true\`` } });
    }
  }
  return out;
}

function cloudSql(project: TerraformProject, r: TfResource): Problem[] {
  const mode = project.value(r, 'settings.ip_configuration.ssl_mode');
  if (str(mode) === 'ALLOW_UNENCRYPTED_AND_ENCRYPTED') {
    return [{ messageId: 'plaintextAllowed', resource: r, value: mode, severity: 'low', confidence: confidenceOf(mode), data: { setting: '`ssl_mode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"`', fix: 'Set `ssl_mode = "ENCRYPTED_ONLY"` (or connect only through the Cloud SQL connectors)' } }];
  }
  const require = project.value(r, 'settings.ip_configuration.require_ssl');
  if (mode.kind === 'absent' && require.kind === 'known' && isTruthy(require.value) === false) {
    return [{ messageId: 'plaintextAllowed', resource: r, value: require, severity: 'low', confidence: confidenceOf(require), data: { setting: '`require_ssl = false`', fix: 'Set `ssl_mode = "ENCRYPTED_ONLY"`' } }];
  }
  return [];
}

function azureDatabase(project: TerraformProject, r: TfResource): Problem[] {
  const out: Problem[] = [];
  // Single servers (PostgreSQL, MySQL, MariaDB) and SQL servers; only written values are judged.
  const ssl = project.value(r, 'ssl_enforcement_enabled');
  if (ssl.kind === 'known' && isTruthy(ssl.value) === false) {
    out.push({ messageId: 'plaintextAllowed', resource: r, value: ssl, severity: 'medium', confidence: confidenceOf(ssl), data: { setting: '`ssl_enforcement_enabled = false`', fix: 'Set `ssl_enforcement_enabled = true`' } });
  }
  for (const attribute of ['ssl_minimal_tls_version_enforced', 'minimum_tls_version']) {
    const v = project.value(r, attribute);
    const version = str(v);
    if (version && /^(?:TLS)?1[._]?[01]$/.test(version)) {
      out.push({ messageId: 'weakTls', resource: r, value: v, severity: 'medium', confidence: confidenceOf(v), data: { setting: `\`${attribute} = "${version}"\``, fix: `\`${attribute} = "${attribute === 'minimum_tls_version' ? '1.2' : 'TLS1_2'}"\`` } });
    }
  }
  return out;
}

const checks: Record<string, (project: TerraformProject, r: TfResource) => Problem[]> = {
  aws_lb_listener: listener,
  aws_alb_listener: listener,
  aws_elb: classicElb,
  aws_cloudfront_distribution: cloudfront,
  aws_db_parameter_group: parameterGroup,
  aws_rds_cluster_parameter_group: parameterGroup,
  aws_elasticache_replication_group: elasticache,
  aws_msk_cluster: msk,
  aws_api_gateway_domain_name: apiGatewayDomain,
  aws_opensearch_domain: openSearch,
  aws_elasticsearch_domain: openSearch,
  azurerm_storage_account: azureStorage,
  azurerm_postgresql_server: azureDatabase,
  azurerm_mysql_server: azureDatabase,
  azurerm_mariadb_server: azureDatabase,
  azurerm_mssql_server: azureDatabase,
  google_sql_database_instance: cloudSql,
};

export default defineRule({
  meta: {
    id: 'terraform-insecure-transport',
    category: 'security',
    checklist: 'SEC-11',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages,
    docs: {
      summary:
        'Terraform endpoints that accept plain-text or pre-TLS-1.2 connections: HTTP load balancer listeners, weak or default ELB TLS policies, CloudFront allowing HTTP or old TLS, databases and caches that do not require TLS.',
      why: 'Traffic between users, load balancers, CDNs and data stores crosses networks you do not control. A listener that serves HTTP, a TLS policy that still negotiates TLS 1.0, or a database that accepts clients without TLS lets anyone on the path read session cookies, tokens and tenant data.',
      howToFix:
        'Serve only HTTPS (turn HTTP listeners into redirects to HTTPS), pin a TLS 1.2+ policy such as `ELBSecurityPolicy-TLS13-1-2-2021-06` and CloudFront `TLSv1.2_2021`, set `viewer_protocol_policy = "redirect-to-https"`, and make databases and caches require TLS (`rds.force_ssl = 1`, `require_secure_transport = 1`, `transit_encryption_enabled = true`).',
      examples: {
        invalid: [
          {
            file: 'infra/lb.tf',
            code: 'resource "aws_lb_listener" "http" {\n  load_balancer_arn = aws_lb.app.arn\n  port              = 80\n  protocol          = "HTTP"\n\n  default_action {\n    type             = "forward"\n    target_group_arn = aws_lb_target_group.app.arn\n  }\n}\n',
          },
          {
            file: 'infra/lb.tf',
            code: 'resource "aws_lb_listener" "https" {\n  load_balancer_arn = aws_lb.app.arn\n  port              = 443\n  protocol          = "HTTPS"\n  ssl_policy        = "ELBSecurityPolicy-2016-08"\n  certificate_arn   = aws_acm_certificate.app.arn\n\n  default_action {\n    type             = "forward"\n    target_group_arn = aws_lb_target_group.app.arn\n  }\n}\n',
          },
        ],
        valid: [
          {
            file: 'infra/lb.tf',
            code: 'resource "aws_lb_listener" "http" {\n  load_balancer_arn = aws_lb.app.arn\n  port              = 80\n  protocol          = "HTTP"\n\n  default_action {\n    type = "redirect"\n    redirect {\n      port        = "443"\n      protocol    = "HTTPS"\n      status_code = "HTTP_301"\n    }\n  }\n}\n\nresource "aws_lb_listener" "https" {\n  load_balancer_arn = aws_lb.app.arn\n  port              = 443\n  protocol          = "HTTPS"\n  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n  certificate_arn   = aws_acm_certificate.app.arn\n\n  default_action {\n    type             = "forward"\n    target_group_arn = aws_lb_target_group.app.arn\n  }\n}\n',
          },
        ],
      },
      peers: [
        'Checkov CKV_AWS_2 (ALB listener HTTPS), CKV_AWS_103 (load balancer TLS 1.2), CKV_AWS_34 (CloudFront viewer protocol), CKV_AWS_174 (CloudFront TLS 1.2), CKV2_AWS_69 (RDS encryption in transit), CKV_AWS_30 (ElastiCache in transit), CKV_AWS_81 (MSK), CKV_GCP_6 (Cloud SQL SSL), CKV_AZURE_28 / CKV_AZURE_147 / CKV_AZURE_52 (Azure database SSL and TLS)',
        'Trivy AVD-AWS-0054 (plain HTTP), AVD-AWS-0047 (outdated ELB TLS policy), AVD-AWS-0012 / AVD-AWS-0013 (CloudFront HTTP / TLS), AVD-AWS-0051 (ElastiCache in transit), AVD-AWS-0073 (MSK), AVD-AWS-0005 (API Gateway TLS), AVD-AWS-0046 / AVD-AWS-0126 (Elasticsearch HTTPS / TLS), AVD-GCP-0015 (Cloud SQL SSL), AVD-AZU-0020 / AVD-AZU-0026 (Azure database SSL and TLS)',
      ],
      limitations: [
        'ELB policies are judged by their minimum protocol only: TLS 1.2 policies with legacy ciphers (`...-Ext1-`, `...-Ext2-`) are accepted. An HTTPS or TLS listener without `ssl_policy` is reported because the API then applies `ELBSecurityPolicy-2016-08`.',
        'An HTTP listener is not reported when its default action redirects to HTTPS or returns a fixed response (unless listener rules forward traffic); listeners of an `internal = true` load balancer are reported at low severity. A listener whose load balancer is not declared in the same module is only judged when `protocol` is written.',
        'CloudFront distributions on the default `*.cloudfront.net` certificate cannot raise their minimum TLS version and are not reported for it.',
        'RDS parameter groups are judged on their own: a PostgreSQL 14 or older instance using the default parameter group (where `rds.force_ssl` is 0) is not reported, and MySQL is only reported when `require_secure_transport` is explicitly off.',
        'Only `.tf` files are read; values come from literals, `locals`, `var.x` defaults, tfvars files and module callers in the repository; folders named `examples`, `test(s)` or `fixtures` and files with syntax errors are skipped.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const project = await TerraformProject.load(ctx.model);
    const endpoints = project.resources.filter((r) => checks[r.type]);
    if (endpoints.length === 0) {
      ctx.notApplicable(project.files.length === 0 ? 'no Terraform files' : 'no load balancers, CDNs or data stores with transport settings in Terraform');
      return;
    }
    for (const r of endpoints) {
      for (const p of checks[r.type]!(project, r)) {
        const where = p.value && p.value.kind !== 'absent' ? locate(project, r, p.value) : p.block ? { path: r.path, range: headerRange(project, r.path, p.block) } : locate(project, r, p.value);
        ctx.report({
          messageId: p.messageId,
          ...where,
          severity: p.severity,
          ...(p.confidence ? { confidence: p.confidence } : {}),
          data: { resource: `\`${r.address}\``, detail: p.value ? via(p.value) : '', ...p.data },
          key: `${r.address}:${p.messageId}:${where.range.start}`,
        });
      }
    }
  },
});

