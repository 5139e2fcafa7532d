/**
 * The SMTP adapter of the `MailSender` port (nodemailer). The only file that imports
 * nodemailer. It transports a fully decided mail: Message-ID, threading headers and loop
 * markers come from the outbox; every header value is stripped of CR/LF again here as the
 * last line of defence against header injection.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { KefuError } from '../../app/errors';
import { headerSafe } from './parse';
import type { MailSender, OutgoingMail } from './ports';

export interface SmtpSenderOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** Tests reach a plain-text smtp-server. */
  ignoreTLS?: boolean;
}

/** Creates the nodemailer-backed sender. */
export function createSmtpSender(options: SmtpSenderOptions): MailSender {
  const transportOptions: SMTPTransport.Options = {
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...(options.ignoreTLS ? { ignoreTLS: true } : {}),
    ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
  const transport = nodemailer.createTransport(transportOptions);
  let state: { ok: boolean; lastError?: string; lastSentAt?: number } = { ok: true };

  return {
    async send(mail: OutgoingMail) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(mail.headers)) headers[headerSafe(k)] = headerSafe(v);
      try {
        await transport.sendMail({
          from: mail.from,
          to: headerSafe(mail.to),
          subject: headerSafe(mail.subject),
          text: mail.text,
          messageId: `<${headerSafe(mail.messageId)}>`,
          ...(mail.inReplyTo ? { inReplyTo: `<${headerSafe(mail.inReplyTo)}>` } : {}),
          ...(mail.references && mail.references.length > 0
            ? { references: mail.references.map((r) => `<${headerSafe(r)}>`) }
            : {}),
          headers,
        });
        state = { ok: true, lastSentAt: Date.now() };
      } catch (err) {
        state = { ...state, ok: false, lastError: (err as Error).message.slice(0, 200) };
        throw new KefuError('ERR_EMAIL_SEND', `SMTP send failed: ${(err as Error).message}`, {}, { cause: err });
      }
    },
    state: () => ({ ...state }),
    async close() {
      transport.close();
    },
  };
}
