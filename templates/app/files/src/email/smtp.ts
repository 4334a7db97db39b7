import { createTransport } from 'nodemailer';
import type { EmailMessage, EmailTransport, SentEmail } from './transport.js';

export interface SmtpOptions {
  /** `smtps://user:pass@host:465` or `smtp://host:587` (STARTTLS is required unless the host is local). */
  url: string;
  from: string;
  /** Bounds connecting, the greeting and every socket read (SCL-6). */
  timeoutMs: number;
}

export class SmtpEmailTransport implements EmailTransport {
  readonly #mailer: ReturnType<typeof createTransport>;
  readonly #from: string;
  readonly #timeoutMs: number;

  constructor(options: SmtpOptions) {
    const { hostname } = new URL(options.url);
    const local = hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '::1';
    this.#from = options.from;
    this.#timeoutMs = options.timeoutMs;
    this.#mailer = createTransport({
      url: options.url,
      // Credentials never cross the network in clear text: STARTTLS is mandatory for remote servers.
      requireTLS: !local && !options.url.startsWith('smtps:'),
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
    });
  }

  async send(message: EmailMessage): Promise<SentEmail> {
    const info = await this.#mailer.sendMail({
      from: this.#from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      // Bounds the whole exchange, which the per-phase timeouts above do not.
      signal: AbortSignal.timeout(this.#timeoutMs * 4),
    });
    return { messageId: String(info.messageId) };
  }

  /** Verifies the connection and credentials; for readiness checks and start-up. */
  async verify(): Promise<void> {
    await this.#mailer.verify();
  }

  async close(): Promise<void> {
    this.#mailer.close();
  }
}
