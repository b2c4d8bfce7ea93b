/** Outgoing email through `SMTP_URL` (nodemailer): one message at a time, plain text. */
import nodemailer from "nodemailer";
import type { SmtpConfig } from "../config.js";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** A mailer on the configured SMTP server, or undefined when there is none. */
export function createMailer(smtp: SmtpConfig): Mailer | undefined {
  if (smtp.url === undefined) return undefined;
  const transport = nodemailer.createTransport(smtp.url);
  return {
    async send(mail) {
      await transport.sendMail({ from: smtp.from, ...mail });
    },
    close: () => transport.close(),
  };
}
