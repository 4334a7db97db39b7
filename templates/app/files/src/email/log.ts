import { randomUUID } from 'node:crypto';
import type { EmailMessage, EmailTransport, SentEmail } from './transport.js';

interface Logger {
  info(object: object, message: string): void;
}

/**
 * Writes each email to the log instead of sending it, so sign-up and reset links can be followed locally.
 * Refused in production, where it would drop every email without a trace in the recipient's inbox.
 */
export class LogEmailTransport implements EmailTransport {
  readonly #logger: Logger;
  readonly #from: string;

  constructor(options: { logger: Logger; from: string; nodeEnv: string }) {
    if (options.nodeEnv === 'production') {
      throw new Error('EMAIL_TRANSPORT=log is for development and tests; use EMAIL_TRANSPORT=smtp in production.');
    }
    this.#logger = options.logger;
    this.#from = options.from;
  }

  async send(message: EmailMessage): Promise<SentEmail> {
    const messageId = `<${randomUUID()}@log.invalid>`;
    this.#logger.info({ email: { messageId, from: this.#from, to: message.to, subject: message.subject, text: message.text } }, 'email (not sent: EMAIL_TRANSPORT=log)');
    return { messageId };
  }

  async close(): Promise<void> {}
}
