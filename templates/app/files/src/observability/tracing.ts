/**
 * OpenTelemetry tracing, only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Call `startTracing` at the very top of a
 * process entry point (server.ts, worker.ts) and import the application afterwards (dynamic `import()`):
 * instrumentation patches `http` and `pg` when they load, so modules loaded earlier are not traced.
 * Service name, sampling and resource attributes follow the standard OTEL_* variables (OTEL_SERVICE_NAME...).
 */
import type { Config } from '../config.js';

export type StopTracing = () => Promise<void>;

export async function startTracing(
  config: Pick<Config, 'otelExporterOtlpEndpoint' | 'outboundTimeoutMs'>,
  serviceName: string,
): Promise<StopTracing | undefined> {
  const endpoint = config.otelExporterOtlpEndpoint;
  if (!endpoint) return undefined;
  // ES modules are patched through a loader hook; CommonJS ones (pg, fastify's http) through require.
  const { register } = await import('node:module');
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? serviceName,
    traceExporter: new OTLPTraceExporter({
      url: new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href,
      timeoutMillis: config.outboundTimeoutMs,
    }),
    // Traces only: metrics are scraped from /metrics (prom-client) and logs go to stdout (pino).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Probes and scrapes would drown the real traffic.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(?:healthz|readyz|metrics)\b/.test(request.url ?? '') }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
