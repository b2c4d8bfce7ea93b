/** Outgoing email through `SMTP_URL` (nodemailer): one message at a time, plain text. */
import type { Transporter } from "nodemailer";
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

/**
 * A mailer on the configured SMTP server, or undefined when there is none. nodemailer is
 * loaded with the first message, so a node without mail does not load it at start.
 */
export function createMailer(mail: MailConfig): Mailer | undefined {
  const { smtpUrl } = mail;
  if (smtpUrl === undefined) return undefined;
  let transport: Promise<Transporter> | undefined;
  const transportOf = () =>
    (transport ??= import("nodemailer").then((m) => m.default.createTransport(smtpUrl)));
  return {
    async send(message) {
      await (await transportOf()).sendMail({ from: mail.from, ...message });
    },
    close: () => {
      void transport?.then((t) => t.close());
    },
  };
}
