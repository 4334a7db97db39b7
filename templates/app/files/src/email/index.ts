import type { Config } from '../config.js';
import { LogEmailTransport } from './log.js';
import { SmtpEmailTransport } from './smtp.js';
import type { EmailTransport } from './transport.js';

export type { EmailMessage, EmailTransport, SentEmail } from './transport.js';

type EmailConfig = Pick<Config, 'nodeEnv' | 'emailTransport' | 'smtpUrl' | 'emailFrom' | 'outboundTimeoutMs'>;

export function createEmailTransport(config: EmailConfig, logger: { info(object: object, message: string): void }): EmailTransport {
  if (config.emailTransport === 'log') return new LogEmailTransport({ logger, from: config.emailFrom, nodeEnv: config.nodeEnv });
  if (!config.smtpUrl) throw new Error('SMTP_URL is required when EMAIL_TRANSPORT=smtp');
  return new SmtpEmailTransport({ url: config.smtpUrl, from: config.emailFrom, timeoutMs: config.outboundTimeoutMs });
}
