import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailTransport } from '../src/email/index.js';
import { LogEmailTransport } from '../src/email/log.js';
import { SmtpEmailTransport } from '../src/email/smtp.js';

/** Just enough of RFC 5321 for one message per connection; `silent` accepts connections and never greets. */
async function fakeSmtp(options: { silent?: boolean } = {}): Promise<{ url: string; messages: { from: string; to: string[]; data: string }[]; close: () => Promise<void> }> {
  const messages: { from: string; to: string[]; data: string }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (options.silent) return;
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    const reply = (line: string): void => void socket.write(`${line}\r\n`);
    reply('220 fake ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let index: number;
      while ((index = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(current);
            current = { from: '', to: [], data: '' };
            reply('250 2.0.0 queued as 1');
          } else current.data += `${line}\n`;
          continue;
        }
        switch (line.slice(0, 4).toUpperCase()) {
          case 'EHLO':
            reply('250-fake\r\n250 8BITMIME');
            break;
          case 'MAIL':
            current.from = line;
            reply('250 OK');
            break;
          case 'RCPT':
            current.to.push(line);
            reply('250 OK');
            break;
          case 'DATA':
            inData = true;
            reply('354 go ahead');
            break;
          case 'QUIT':
            reply('221 bye');
            socket.end();
            break;
          default:
            reply('250 OK');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('SMTP transport', () => {
  it('delivers a message', async () => {
    const smtp = await fakeSmtp();
    cleanups.push(smtp.close);
    const transport = new SmtpEmailTransport({ url: smtp.url, from: 'no-reply@example.com', timeoutMs: 2000 });
    cleanups.push(() => transport.close());
    await transport.verify();
    const sent = await transport.send({ to: 'ada@example.com', subject: 'Export ready', text: 'Download it here.' });
    expect(sent.messageId).toMatch(/^<.+@.+>$/);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.from).toContain('no-reply@example.com');
    expect(smtp.messages[0]!.to.join()).toContain('ada@example.com');
    expect(smtp.messages[0]!.data).toContain('Subject: Export ready');
    expect(smtp.messages[0]!.data).toContain('Download it here.');
  });

  it('times out against a server that never answers', async () => {
    const smtp = await fakeSmtp({ silent: true });
    cleanups.push(smtp.close);
    const transport = new SmtpEmailTransport({ url: smtp.url, from: 'no-reply@example.com', timeoutMs: 200 });
    cleanups.push(() => transport.close());
    const started = Date.now();
    await expect(transport.send({ to: 'ada@example.com', subject: 's', text: 't' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('log transport', () => {
  it('logs the message instead of sending it', async () => {
    const lines: { object: object; message: string }[] = [];
    const transport = new LogEmailTransport({ logger: { info: (object, message) => lines.push({ object, message }) }, from: 'no-reply@example.com', nodeEnv: 'development' });
    const sent = await transport.send({ to: 'ada@example.com', subject: 'Hi', text: 'Link: https://x.test/a' });
    await transport.close();
    expect(sent.messageId).toMatch(/@log\.invalid>$/);
    expect(lines).toEqual([
      { object: { email: { messageId: sent.messageId, from: 'no-reply@example.com', to: 'ada@example.com', subject: 'Hi', text: 'Link: https://x.test/a' } }, message: expect.stringContaining('not sent') },
    ]);
  });
});

describe('createEmailTransport', () => {
  const logger = { info: () => undefined };
  const base = { nodeEnv: 'test' as const, smtpUrl: undefined, emailFrom: 'no-reply@example.com', outboundTimeoutMs: 1000 };

  it('picks the configured transport', async () => {
    expect(createEmailTransport({ ...base, emailTransport: 'log' }, logger)).toBeInstanceOf(LogEmailTransport);
    const smtp = createEmailTransport({ ...base, emailTransport: 'smtp', smtpUrl: 'smtps://user:pass@mail.example.com' }, logger);
    expect(smtp).toBeInstanceOf(SmtpEmailTransport);
    await smtp.close();
    expect(() => createEmailTransport({ ...base, emailTransport: 'smtp' }, logger)).toThrow(/SMTP_URL/);
  });

  it('refuses the log transport in production', () => {
    expect(() => createEmailTransport({ ...base, nodeEnv: 'production', emailTransport: 'log' }, logger)).toThrow(/EMAIL_TRANSPORT=smtp/);
  });
});
