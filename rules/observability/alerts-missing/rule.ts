import { KeywordSet } from '../../../src/audit/keywords.js';
import { defineRule } from '../../../src/core/define-rule.js';
import { servesHttp } from '../../_server/server-code.js';

/** Files that can hold alert definitions: Prometheus/Grafana YAML, Terraform, CloudFormation, Jsonnet, CDK or Pulumi code. */
const candidate = /\.(?:ya?ml|tf|hcl|jsonnet|libsonnet|json)$|(?:^|\/)(?:infra|infrastructure|cdk|pulumi|deploy|deployment|ops|monitoring|observability|alerts?|alerting|stacks?)\/.*\.[cm]?[jt]s$/i;
const notConfig = /(?:^|\/)(?:package(?:-lock)?\.json|tsconfig[^/]*\.json|composer\.lock|[^/]*\.lock|\.eslintrc[^/]*|renovate\.json|turbo\.json|nx\.json|project\.json|lerna\.json|pnpm-lock\.yaml|\.github\/workflows\/[^/]+)$/;
const foreign = /(?:^|\/)(?:node_modules|vendor|fixtures?|__fixtures__|examples?|test|tests|__tests__|templates?)\//;

/** What each alerting system's definitions look like. */
const alertPatterns: Array<[RegExp, string]> = [
  [/^\s*-?\s*alert:\s*['"]?\w[\s\S]{0,400}?\bexpr:/m, 'Prometheus alerting rules'],
  [/\bkind:\s*PrometheusRule\b/, 'a PrometheusRule'],
  [/resource\s+"(?:aws_cloudwatch_metric_alarm|aws_cloudwatch_composite_alarm)"/, 'CloudWatch alarms'],
  [/resource\s+"google_monitoring_alert_policy"/, 'Google Cloud alert policies'],
  [/resource\s+"azurerm_monitor_(?:metric_alert|scheduled_query_rules_alert(?:_v2)?|activity_log_alert)"/, 'Azure Monitor alerts'],
  [/resource\s+"(?:datadog_monitor|newrelic_nrql_alert_condition|newrelic_alert_condition|grafana_rule_group|sentry_metric_alert|sentry_issue_alert|honeycombio_trigger|opsgenie_alert_policy|pagerduty_service_integration|signalfx_detector|logzio_alert)"/, 'monitors in Terraform'],
  [/AWS::CloudWatch::(?:Alarm|CompositeAlarm)/, 'CloudFormation alarms'],
  [/new\s+(?:cloudwatch\.)?(?:Alarm|CompositeAlarm)\s*\(|\.createAlarm\s*\(|new\s+aws\.cloudwatch\.MetricAlarm\s*\(|new\s+gcp\.monitoring\.AlertPolicy\s*\(|new\s+datadog\.Monitor\s*\(/, 'alarms in infrastructure code'],
  [/^\s*apiVersion:\s*1\s*$[\s\S]*^\s*groups:[\s\S]*^\s*(?:-\s*)?condition:/m, 'Grafana alert provisioning'],
  [/"type"\s*:\s*"(?:metric alert|query alert|log alert|service check|slo alert)"/, 'Datadog monitors'],
];
/**
 * A word every pattern above needs (`alert:`, `resource`, `Alarm`, `condition:`, …): the many files no pattern can
 * match (locale JSON files of hundreds of kilobytes) are passed over on their bytes, never decoded or searched.
 */
const alertWords = new KeywordSet([
  'alert:', 'PrometheusRule', 'resource', 'AWS::CloudWatch::', 'Alarm', 'AlertPolicy', 'datadog.Monitor', 'condition:',
  'metric alert', 'query alert', 'log alert', 'service check', 'slo alert',
]);
/** An alert that links its runbook. */
const runbookLink = /\brunbook(?:_url|Url|URL)?\s*[:=]|\brunbook_url\b|runbooks?\//i;
const runbookFolder = /(?:^|\/)(?:runbooks?|playbooks?)\/|(?:^|\/)[^/]*runbook[^/]*\.md$/i;

export default defineRule({
  meta: {
    id: 'alerts-missing',
    category: 'observability',
    checklist: 'OBS-5',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noAlerts:
        'This server repository defines no alerts (no Prometheus rules, CloudWatch/Google/Azure alarms, Datadog or Grafana monitors), so an outage, an error spike or a full disk is noticed by users before anyone on call. Define alerts as code on error rate, latency and saturation next to the service, each linking a runbook.',
      noRunbooks:
        'Alerts are defined ({{kind}}, e.g. `{{path}}`) but none links a runbook and the repository has no runbooks folder, so whoever is paged at night has to work out from scratch what the alert means and what to do. Add a `runbook_url` annotation (or description link) to each alert and keep the runbooks under `docs/runbooks/`.',
    },
    docs: {
      summary: 'A server repository with no alert definitions as code, or with alerts of which none links a runbook.',
      why: 'Metrics and logs only help when someone looks at them. Without alerts, incidents are reported by customers; alerts defined by hand in a console drift, disappear with the account and are never reviewed. An alert without a runbook wakes someone up without telling them what is broken or how to fix it, which stretches every incident.',
      howToFix:
        'Keep alert definitions in the repository: Prometheus/PrometheusRule alerting rules, Grafana alert provisioning, or Terraform resources (`aws_cloudwatch_metric_alarm`, `google_monitoring_alert_policy`, `azurerm_monitor_metric_alert`, `datadog_monitor`). Alert on symptoms users feel (error rate, p99 latency, saturation), route them to on-call (PagerDuty, Opsgenie), and give each a `runbook_url` pointing to a page in `docs/runbooks/` that says what it means, how to check and how to mitigate.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\n\nconst app = express();\napp.get('/v1/orders', (_req, res) => res.json([]));\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'monitoring/alerts.yml',
            code: 'groups:\n  - name: orders\n    rules:\n      - alert: OrdersHighErrorRate\n        expr: sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05\n        for: 10m\n        labels:\n          severity: page\n        annotations:\n          summary: More than 5% of requests fail\n          runbook_url: https://github.com/acme/orders/blob/main/docs/runbooks/high-error-rate.md\n',
            context: {
              'package.json': '{ "name": "orders", "dependencies": { "express": "^4.19.2" } }\n',
              'src/server.ts': "import express from 'express';\n\nconst app = express();\napp.listen(3000);\n",
            },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent; pint and promtool lint Prometheus rules once they exist'],
      limitations: [
        'Only alerts defined in the repository are seen; alerts configured in a monitoring console or in a separate infrastructure repository are invisible, so a finding may mean "not here" rather than "nowhere".',
        'Repositories without an HTTP server or API routes are not assessed.',
        'Whether the alerts cover error rate and latency, and whether the runbooks are useful, is not judged.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const { model } = ctx;
    if (!servesHttp(model)) {
      ctx.notApplicable('No HTTP server or API routes were found, so there is no service to alert on.');
      return;
    }
    let first: { path: string; kind: string } | undefined;
    let linked = false;
    for (const f of model.find((file) => candidate.test(file.path) && !notConfig.test(file.path) && !foreign.test(file.path))) {
      if (f.size > 1024 * 1024 || !model.mentions(f.path, alertWords)) continue;
      const text = model.text(f.path);
      if (!text) continue;
      const hit = alertPatterns.find(([re]) => re.test(text));
      if (!hit) continue;
      first ??= { path: f.path, kind: hit[1] };
      if (runbookLink.test(text)) {
        linked = true;
        break;
      }
    }
    if (!first) {
      ctx.report({ messageId: 'noAlerts' });
      return;
    }
    if (linked || model.find((f) => runbookFolder.test(f.path)).length > 0) return;
    ctx.report({ messageId: 'noRunbooks', data: { kind: first.kind, path: first.path }, path: first.path, severity: 'low' });
  },
});
