/**
 * One error format for the whole API: RFC 9457 `application/problem+json`. Handlers throw `HttpProblem`
 * (or let validation fail); anything else becomes a 500 whose details stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof ProblemSchema>;

/** A route's error response schema: a reference to the shared `Problem` schema. */
export const problem = { $ref: 'Problem#' } as const;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail?: string,
    readonly extra: { type?: string; title?: string; headers?: Record<string, string>; [key: string]: unknown } = {},
  ) {
    super(detail ?? titles[status] ?? `HTTP ${status}`);
    this.name = 'HttpProblem';
  }
}

export const notFound = (detail = 'The resource does not exist.'): HttpProblem => new HttpProblem(404, detail);
export const conflict = (detail: string): HttpProblem => new HttpProblem(409, detail);
export const forbidden = (detail = 'You are not allowed to do this.'): HttpProblem => new HttpProblem(403, detail);

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, fields: Partial<Problem> & Record<string, unknown> = {}): FastifyReply {
  const body: Problem = { type: 'about:blank', title: titles[status] ?? 'Error', status, instance: request.url, ...fields };
  return reply.code(status).type('application/problem+json').send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      const { type, title, headers, ...rest } = error.extra;
      if (headers) reply.headers(headers);
      return sendProblem(reply, request, error.status, { type: type ?? 'about:blank', ...(title ? { title } : {}), detail: error.detail, ...rest });
    }
    if (error.validation) {
      return sendProblem(reply, request, 400, {
        detail: 'The request does not match the schema.',
        errors: error.validation.map((issue) => ({
          path: `${error.validationContext ?? 'request'}${issue.instancePath || ''}`,
          message: issue.message ?? 'is invalid',
        })),
      });
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, status);
    }
    // Client errors raised by fastify and its plugins (bad JSON, body too large, …) carry safe messages.
    return sendProblem(reply, request, status, { detail: error.message });
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, 404, { detail: `No route ${request.method} ${request.url.split('?')[0]}.` }));
}
