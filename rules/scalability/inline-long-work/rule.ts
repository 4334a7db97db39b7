import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import { dirOf, isServerFile, serverCandidate, type OwningPackage } from '../../_server/server-code.js';
import { examples } from '../../_http/kit.js';
import { enclosingHandler } from '../_kit.js';
import { servesHttp } from '../../_server/server-code.js';
import { moduleOf, moduleUseOf } from '../../security/_code/code.js';

/** Job queues, workflow engines and message brokers: with any of them, long work has somewhere to go. */
const queueLibraries = new Set([
  'bullmq', 'bull', '@nestjs/bull', '@nestjs/bullmq', 'bee-queue', 'pg-boss', 'agenda', '@hokify/agenda', 'graphile-worker', 'kue', 'node-resque',
  '@trigger.dev/sdk', 'inngest', '@aws-sdk/client-sqs', 'sqs-consumer', 'sqs-producer', '@temporalio/client', '@temporalio/worker', 'amqplib',
  'amqp-connection-manager', 'rabbitmq-client', '@golevelup/nestjs-rabbitmq', 'kafkajs', '@confluentinc/kafka-javascript', '@google-cloud/tasks',
  '@google-cloud/pubsub', '@azure/service-bus', '@upstash/qstash', 'quirrel', 'faktory-worker', '@hatchet-dev/typescript-sdk', 'bunqueue',
  'groupmq', '@vercel/functions', 'nats', 'moleculer', 'celery-node', 'zeromq',
]);

type Kind = 'email' | 'pdf' | 'export';

interface Hit {
  start: number;
  end: number;
  kind: Kind;
  what: string;
  /** Start of the enclosing request handler (route callback, controller method, route handler, tRPC procedure), or -1. */
  handler: number;
  /** A library call (nodemailer, Resend, Puppeteer...) rather than a helper named after the work. */
  direct: boolean;
}

interface FileSignal {
  server: boolean;
  hits: Hit[];
}

const emailMethods = /^(?:sendMail|sendEmail|sendEmailWithTemplate|sendEmailBatch|sendRawEmail|sendTemplatedEmail|sendMultiple)$/;
const emailHelpers = /^send\w*(?:Email|Mail)s?$|^send(?:Email|Mail)\w+$|^(?:deliver|dispatch)\w*(?:Email|Mail)$/;
const pdfModules = /^(?:puppeteer|puppeteer-core|playwright|playwright-core|@sparticuz\/chromium|pdfkit|html-pdf|html-pdf-node|pdfmake|jspdf|@react-pdf\/renderer|wkhtmltopdf|pdf-lib)$/;

function describeCall(call: ts.CallExpression | ts.NewExpression, source: ts.SourceFile): string {
  const text = call.expression.getText(source).replace(/\s+/g, '');
  return ts.isNewExpression(call) ? `new ${text}()` : `${text}()`;
}

const labels: Record<Kind, string> = { email: 'sends email', pdf: 'renders a PDF', export: 'builds a spreadsheet export' };

export default defineRule({
  meta: {
    id: 'inline-long-work',
    category: 'scalability',
    checklist: 'SCL-3',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      inline:
        'This request handler {{label}} inline (`{{what}}`) and the repository has no job queue, so the client waits on a slow third party, a timeout or restart loses the work half-done, and a failure cannot be retried. Enqueue a job (BullMQ, pg-boss, graphile-worker) and answer the request right away; the worker retries with an idempotency key.',
      noQueue:
        'The server {{label}} ({{files}}) but the repository has no job queue or worker at all, so that work runs inside requests or start-up code: when the provider is slow or the process restarts it is lost with no retry. Move it to a background worker with retries (BullMQ, pg-boss, graphile-worker, a managed queue).',
    },
    docs: {
      summary: 'Email sending, PDF rendering and spreadsheet exports done inside request handlers of a repository that has no job queue at all; otherwise one repository-level finding when such work exists but no queue does.',
      why: 'Email providers, headless browsers and large exports take seconds and fail now and then. Done inside the request, they make users wait, tie up server capacity, fail with the request on a timeout or deploy, and are never retried: password-reset emails silently go missing and exports die halfway. A queue moves the work to a worker that retries it and keeps requests fast.',
      howToFix:
        'Add a job queue (BullMQ or pg-boss on infrastructure you already run, graphile-worker on PostgreSQL, or a managed one such as SQS, Inngest or Trigger.dev). The handler validates input, stores what is needed and enqueues a job with an idempotency key; a worker sends the email or renders the file with retries and backoff, and the client polls or is notified when it is ready.',
      examples: {
        invalid: [
          {
            file: 'src/routes/invites.ts',
            code: "import { Router } from 'express';\nimport nodemailer from 'nodemailer';\n\nconst mailer = nodemailer.createTransport({ url: process.env.SMTP_URL });\nexport const invites = Router();\n\ninvites.post('/invites', async (req, res) => {\n  await mailer.sendMail({ to: req.body.email, subject: 'You are invited', text: 'Join us' });\n  res.status(201).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "nodemailer": "^6.9.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/routes/invites.ts',
            code: "import { Router } from 'express';\nimport { Queue } from 'bullmq';\n\nconst emails = new Queue('emails', { connection: { url: process.env.REDIS_URL } });\nexport const invites = Router();\n\ninvites.post('/invites', async (req, res) => {\n  await emails.add('invite', { to: req.body.email }, { jobId: `invite:${req.body.email}` });\n  res.status(202).end();\n});\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "bullmq": "^5.8.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep registry or Checkov equivalent'],
      limitations: [
        'Any queue, workflow engine or message broker dependency anywhere in the repository (BullMQ, pg-boss, Agenda, graphile-worker, SQS, Temporal, Inngest, Trigger.dev, RabbitMQ, Kafka...) counts as having one; whether this particular work goes through it is not checked.',
        'Work is recognised from library calls (nodemailer `sendMail`, Resend `emails.send`, SendGrid, Postmark, SES `SendEmailCommand`, Puppeteer/Playwright, pdfkit, @react-pdf/renderer, ExcelJS/SheetJS writes) and from helpers named `send…Email`/`send…Mail` (low confidence). Work done in a service that a handler calls is covered only by the repository-level finding.',
        'One finding per handler and kind of work: a handler that sends three emails is reported once, at the first.',
        'Repositories without an HTTP server are not assessed.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['Mail', 'mail', 'Email', 'email', 'pdf', 'PDF', 'puppeteer', 'playwright', 'chromium', 'xlsx', 'exceljs', 'ExcelJS', 'Workbook'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const candidate = serverCandidate(path, text, () => ctx.ast());
    if (!candidate) return;
    const { source, evidence: server } = candidate;
    const imports = moduleUseOf(source);
    const hits: Hit[] = [];
    const hit = (node: ts.CallExpression | ts.NewExpression, kind: Kind, direct: boolean): void => {
      hits.push({ start: node.getStart(source), end: node.getEnd(), kind, what: describeCall(node, source), handler: enclosingHandler(node, path)?.getStart(source) ?? -1, direct });
    };
    const onCall = (node: ts.Node): void => {
      const call = node as ts.CallExpression;
      const e = call.expression;
      const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
      if (!name) return;
      const target = moduleOf(e, imports);
      if (ts.isPropertyAccessExpression(e) && emailMethods.test(name) && call.arguments.length > 0) return hit(call, 'email', true);
      // Resend: resend.emails.send({...}); Mailgun: mg.messages.create(domain, {...}).
      if (ts.isPropertyAccessExpression(e) && ((name === 'send' && /\bemails$/.test(e.expression.getText(source))) || (name === 'create' && /\bmessages$/.test(e.expression.getText(source)) && imports.modules.has('mailgun.js')))) return hit(call, 'email', true);
      if (target?.module === '@sendgrid/mail' && /^send/.test(name)) return hit(call, 'email', true);
      if (ts.isIdentifier(e) && emailHelpers.test(name)) return hit(call, 'email', false);
      if (target && pdfModules.test(target.module) && /^(?:launch|connect|renderToBuffer|renderToStream|renderToFile|create|createPdf|generatePdf)$/.test(name)) return hit(call, 'pdf', true);
      if (ts.isPropertyAccessExpression(e) && name === 'pdf' && /\bpage$/i.test(e.expression.getText(source))) return hit(call, 'pdf', true);
      if (ts.isPropertyAccessExpression(e) && /^(?:writeBuffer|writeFile|write)$/.test(name) && /\bxlsx$|^XLSX$/.test(e.expression.getText(source))) return hit(call, 'export', true);
    };
    const onNew = (node: ts.Node): void => {
      const n = node as ts.NewExpression;
      const target = moduleOf(n.expression, imports);
      const name = ts.isIdentifier(n.expression) ? n.expression.text : ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : '';
      if (/^Send(?:Raw|Templated|Bulk)?EmailCommand$/.test(name)) hit(n, 'email', true);
      else if (target?.module === 'pdfkit' || (target && pdfModules.test(target.module) && name === 'PDFDocument')) hit(n, 'pdf', true);
    };
    return {
      CallExpression: onCall,
      NewExpression: onNew,
      EndOfFileToken: () => {
        if (hits.length > 0) ctx.emit({ server, hits } satisfies FileSignal);
      },
    };
  },
  summarize(ctx, signals) {
    const queue = ctx.model.manifests().flatMap(({ path }) => [...ctx.model.dependencies(dirOf(path))]).find((d) => queueLibraries.has(d));
    const cache = new Map<string, OwningPackage>();
    const server = signals.filter((s) => isServerFile(ctx.model, s.path, (s.value as FileSignal).server, cache));
    if (server.length === 0 && !servesHttp(ctx.model)) {
      ctx.notApplicable('No HTTP server code was found, so there are no requests for email, PDF or export work to slow down.');
      return;
    }
    if (queue !== undefined) return;
    let inline = 0;
    const elsewhere = new Map<string, Set<Kind>>();
    for (const { path, value } of server) {
      // One finding per handler and kind of work: a helper defined inside the handler and its call are the same email.
      const seen = new Set<string>();
      for (const h of (value as FileSignal).hits) {
        if (h.handler >= 0) {
          const key = `${h.handler}:${h.kind}`;
          if (seen.has(key)) continue;
          seen.add(key);
          inline++;
          ctx.report({ messageId: 'inline', data: { label: labels[h.kind], what: h.what }, path, range: { start: h.start, end: h.end }, ...(h.direct ? {} : { confidence: 'low' as const }) });
        } else if (h.direct) {
          elsewhere.set(path, (elsewhere.get(path) ?? new Set()).add(h.kind));
        }
      }
    }
    if (inline === 0 && elsewhere.size > 0) {
      const kinds = [...new Set([...elsewhere.values()].flatMap((k) => [...k]))].map((k) => labels[k]);
      ctx.report({ messageId: 'noQueue', data: { label: kinds.join(' and '), files: examples([...elsewhere.keys()]) }, confidence: 'low' });
    }
  },
});
