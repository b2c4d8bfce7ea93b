/**
 * Telling the person that a request waits for them (Calendario `response_channel.notify`
 * of their profile): each channel the node can serve is used — `webhook` as a
 * subscription of the webhook outbox (signed, retried), `email` through `SMTP_URL` with a
 * sign-in link that opens the request — and the others (`sms`, `push`, `matrix_dm`,
 * extensions) are recorded as unsupported, so the inbox can say so: nothing is silently
 * dropped. What was done is kept per request (and in the audit log, `request.notified`).
 */
import type { Booking, Store } from "../arbiter/index.js";
import { isoUtc } from "../iso-time.js";
import type { Logger } from "../logger.js";
import type { Webhooks } from "../webhooks/index.js";
import type { Mailer } from "./mailer.js";
import { createRecord, readRecord, readRecords } from "./records.js";

/** `queued`: handed to the webhook outbox, which delivers and retries it. */
export type ChannelStatus = "queued" | "sent" | "failed" | "unsupported";

export interface ChannelNotice {
  type: string;
  value: string;
  status: ChannelStatus;
  /** Why it failed or is unsupported. */
  reason?: string;
}

export interface RequestNotice {
  bookingId: string;
  at: number;
  channels: ChannelNotice[];
}

/** Makes a single-use sign-in link for the person that lands on `next` (the inbox's). */
export type MintLoginLink = (username: string, next: string) => Promise<string>;

export interface NotifyDeps {
  store: Store;
  webhooks: Pick<Webhooks, "ensureNotifySubscription">;
  /** Absent without `SMTP_URL`: email is then unsupported. */
  mailer?: Mailer;
  mintLoginLink: MintLoginLink;
  logger: Logger;
}

/** Where a request opens in the inbox. */
export function requestPath(bookingId: string): string {
  return `/inbox#${bookingId}`;
}

function notifyTargets(published: string): { type: string; value: string }[] {
  const profile = JSON.parse(published) as {
    response_channel?: { notify?: { type?: unknown; value?: unknown }[] };
  };
  return (profile.response_channel?.notify ?? []).flatMap((t) =>
    typeof t.type === "string" && typeof t.value === "string"
      ? [{ type: t.type, value: t.value }]
      : [],
  );
}

/** Who asks, in words: the requester's address, or the local agent. */
function askerOf(booking: Booking): string {
  const requester = (booking.details?.requester as { address?: unknown } | undefined)?.address;
  return typeof requester === "string" ? requester : `your agent ${booking.agentId}`;
}

async function viaWebhook(
  deps: NotifyDeps,
  username: string,
  booking: Booking,
  url: string,
): Promise<ChannelNotice> {
  const events = await deps.store.readAudit(username, { resource: booking.id });
  const requested = events.find((e) => e.type === "booking.requested");
  const fromSeq = (requested?.seq ?? (await deps.store.auditHead(username)).seq + 1) - 1;
  await deps.webhooks.ensureNotifySubscription(username, url, ["booking.requested"], fromSeq);
  return { type: "webhook", value: url, status: "queued" };
}

async function viaEmail(
  deps: NotifyDeps,
  username: string,
  booking: Booking,
  to: string,
): Promise<ChannelNotice> {
  if (!deps.mailer)
    return { type: "email", value: to, status: "unsupported", reason: "SMTP_URL is not set" };
  const link = await deps.mintLoginLink(username, requestPath(booking.id));
  const asker = askerOf(booking).replace(/[\r\n]+/g, " ");
  const title = typeof booking.details?.title === "string" ? booking.details.title : undefined;
  await deps.mailer.send({
    to,
    subject: `A request waits for you: ${asker}`.slice(0, 200),
    text: [
      `${asker} asks for ${isoUtc(booking.start)} – ${isoUtc(booking.end)} (UTC).`,
      ...(title !== undefined ? [`Subject: ${title}`] : []),
      `It waits for your answer until ${isoUtc(booking.pendingUntil ?? booking.start)}.`,
      "",
      `Sign in to accept or decline (the link works once, for 15 minutes):`,
      link,
    ].join("\n"),
  });
  return { type: "email", value: to, status: "sent" };
}

async function notifyOne(
  deps: NotifyDeps,
  username: string,
  booking: Booking,
  target: { type: string; value: string },
): Promise<ChannelNotice> {
  try {
    if (target.type === "webhook") return await viaWebhook(deps, username, booking, target.value);
    if (target.type === "email") return await viaEmail(deps, username, booking, target.value);
  } catch (err) {
    deps.logger.warn(
      { username, bookingId: booking.id, channel: target.type, err: (err as Error).message },
      "request notification failed",
    );
    return { ...target, status: "failed", reason: (err as Error).message.slice(0, 300) };
  }
  return {
    ...target,
    status: "unsupported",
    reason: `this node has no ${target.type} provider`,
  };
}

/** Notifies every channel of the person's profile about the pending `booking`, and records it. */
export async function notifyPendingRequest(
  deps: NotifyDeps,
  username: string,
  booking: Booking,
): Promise<RequestNotice> {
  const user = await deps.store.getUser(username);
  const targets = user ? notifyTargets(user.published) : [];
  const channels = await Promise.all(targets.map((t) => notifyOne(deps, username, booking, t)));
  const notice: RequestNotice = {
    bookingId: booking.id,
    at: await deps.store.now(username),
    channels,
  };
  await createRecord(deps.store, username, "notifications", booking.id, notice, {
    type: "request.notified",
    actor: "system",
    data: {
      booking_id: booking.id,
      // Types and outcomes only: the addresses stay in the profile and the record.
      channels: channels.map((c) => ({ status: c.status, type: c.type })),
    },
  });
  return notice;
}

/** How the person was told of one request (null: not yet, or nothing to tell). */
export async function requestNotice(
  deps: Pick<NotifyDeps, "store">,
  caller: { kind: "person"; username: string },
  bookingId: string,
): Promise<RequestNotice | null> {
  return (
    (await readRecord<RequestNotice>(deps.store, caller.username, "notifications", bookingId))
      ?.value ?? null
  );
}

/** How the person was told of each request, newest first: the inbox shows unsupported channels. */
export async function listRequestNotices(
  deps: Pick<NotifyDeps, "store">,
  caller: { kind: "person"; username: string },
): Promise<RequestNotice[]> {
  const all = await readRecords<RequestNotice>(deps.store, caller.username, "notifications");
  return all.sort((a, b) => b.at - a.at);
}
