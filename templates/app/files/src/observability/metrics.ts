import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * Business counters. They are process-wide so that code without the Fastify instance at hand (the auth routes,
 * job handlers) can count, and each app's registry serves them; HTTP metrics live in the per-app registry.
 */
export const metrics = {
  signups: new Counter({ name: 'signups_total', help: 'Completed sign-ups (new tenant and owner).', registers: [] }),
  /** Label: tenant_id. One series per active tenant; drop the label if tenants number in the tens of thousands. */
  tenantApiCalls: new Counter({
    name: 'tenant_api_requests_total',
    help: 'Authenticated API requests per tenant.',
    labelNames: ['tenant_id'] as const,
    registers: [],
  }),
  jobsCompleted: new Counter({ name: 'jobs_completed_total', help: 'Background jobs completed, by queue.', labelNames: ['queue'] as const, registers: [] }),
  jobsFailed: new Counter({ name: 'jobs_failed_total', help: 'Background job attempts that failed, by queue.', labelNames: ['queue'] as const, registers: [] }),
};

export type BusinessMetrics = typeof metrics;

export interface HttpMetrics {
  registry: Registry;
  duration: Histogram<'method' | 'route' | 'status_code'>;
  errors: Counter<'method' | 'route' | 'status_code'>;
}

/** A registry per app instance: tests build several apps in one process, and the global default registry would refuse the second. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of Object.values(metrics) as Metric[]) registry.registerMetric(metric);
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP responses with a 5xx status, by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  return { registry, duration, errors };
}
