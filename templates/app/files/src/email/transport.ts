export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface SentEmail {
  messageId: string;
}

/** How email leaves the application; `log` in development and tests, `smtp` in deployed environments. */
export interface EmailTransport {
  send(message: EmailMessage): Promise<SentEmail>;
  close(): Promise<void>;
}
