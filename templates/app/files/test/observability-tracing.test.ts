import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../src/observability/tracing.js';

describe('tracing', () => {
  it('stays off without an OTLP endpoint', async () => {
    expect(await startTracing({ otelExporterOtlpEndpoint: undefined, outboundTimeoutMs: 1000 }, 'test')).toBeUndefined();
  });

  it('exports spans to the configured collector and flushes them on shutdown', async () => {
    const received: string[] = [];
    const collector = createServer((request, response) => {
      received.push(`${request.method} ${request.url}`);
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const stop = await startTracing({ otelExporterOtlpEndpoint: `http://127.0.0.1:${port}`, outboundTimeoutMs: 2000 }, 'test');
      expect(stop).toBeTypeOf('function');
      const span = trace.getTracer('test').startSpan('probe');
      expect(span.spanContext().traceId).not.toBe('0'.repeat(32));
      span.end();
      await stop?.();
      expect(received).toContain('POST /v1/traces');
    } finally {
      collector.closeAllConnections();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
