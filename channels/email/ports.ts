/**
 * The ports the email domain needs from the outside: a way to send one mail. The nodemailer
 * adapter (`smtp-sender.ts`) implements it; tests can use the real one against smtp-server.
 */

/** One fully decided outgoing mail; the sender only transports it. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** Without angle brackets, on MAIL_MESSAGE_ID_DOMAIN. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra headers (loop markers); values are already header-safe. */
  headers: Record<string, string>;
}

export interface MailSender {
  /**
   * Sends the mail.
   * @throws ERR_EMAIL_SEND when the server refuses it or cannot be reached.
   */
  send(mail: OutgoingMail): Promise<void>;
  /** Whether the last attempt worked, for /healthz. */
  state(): { ok: boolean; lastError?: string; lastSentAt?: number };
  close(): Promise<void>;
}
