/**
 * A person asks for a login link by email (`/inbox/login`): the link goes to the email
 * targets of their profile's `response_channel.notify`. Whatever happens, the asker is
 * told the same thing, so the form does not reveal who has an account; the mail is sent
 * after the answer, so its timing reveals nothing either.
 */
import type { Logger } from "../logger.js";
import { USERNAME_RE } from "../profile/index.js";
import type { SignInDeps } from "./deps.js";
import { LOGIN_LINK_TTL_MS, mintLoginLink } from "./login-links.js";
import type { Mailer } from "./mailer.js";

/** The email addresses a profile lists under `response_channel.notify`. */
export function notifyEmails(published: string): string[] {
  const profile = JSON.parse(published) as {
    response_channel?: { notify?: { type?: unknown; value?: unknown }[] };
  };
  const targets = profile.response_channel?.notify ?? [];
  return targets
    .filter((t) => t.type === "email" && typeof t.value === "string")
    .map((t) => t.value as string);
}

/**
 * The username a person typed: `jane`, or their address `jane@<this node's domain>`.
 * Undefined when it names nobody here.
 */
export function usernameFromInput(input: string, domain: string): string | undefined {
  const trimmed = input.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  const name = at < 0 ? trimmed : trimmed.slice(0, at);
  if (at >= 0 && trimmed.slice(at + 1) !== domain.toLowerCase()) return undefined;
  return USERNAME_RE.test(name) ? name : undefined;
}

/**
 * Mints a link for `username` and mails it to their profile's email targets. Resolves
 * whether or not anything was sent; failures are logged without the link.
 */
export async function mailLoginLink(
  deps: SignInDeps & { mailer: Mailer; logger: Logger },
  username: string,
): Promise<boolean> {
  const user = await deps.users.getUser(username);
  if (!user) return false;
  const to = notifyEmails(user.published);
  if (to.length === 0) {
    deps.logger.info({ username }, "login link asked by email, but the profile lists no email");
    return false;
  }
  const link = await mintLoginLink(deps, username);
  const minutes = LOGIN_LINK_TTL_MS / 60_000;
  try {
    await deps.mailer.send({
      to,
      subject: "Your sign-in link",
      text:
        `Open this link to sign in to your Calendario inbox:\n\n${link.url}\n\n` +
        `It works once, for ${minutes} minutes. If you did not ask for it, ignore this message.\n`,
    });
    return true;
  } catch (err) {
    deps.logger.warn({ username, err: (err as Error).message }, "login link email not sent");
    return false;
  }
}
