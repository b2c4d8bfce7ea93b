/** Outgoing email through `SMTP_URL` (nodemailer): one message at a time, plain text. */
import nodemailer from "nodemailer";
import type { MailConfig } from "../config.js";

export interface Mail {
  to: string | string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** A mailer on the configured SMTP server, or undefined when there is none. */
export function createMailer(mail: MailConfig): Mailer | undefined {
  if (mail.smtpUrl === undefined) return undefined;
  const transport = nodemailer.createTransport(mail.smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from: mail.from, ...message });
    },
    close: () => transport.close(),
  };
}
