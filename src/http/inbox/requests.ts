/**
 * Requests: every booking waiting for the person, with who asks (and whether their
 * organization was verified), when in both zones, subject, note and expiry; Accept and
 * Decline (with an optional message) through the booking core's `decideRequest`.
 */
import { type Request, type Response, Router } from "express";
import { type Booking, ID_RE } from "../../arbiter/index.js";
import { decideRequest, loadCalendar } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { NotFoundError } from "../../errors.js";
import { type ChannelNotice, listRequestNotices, type RequestNotice } from "../../people/index.js";
import { instant, timeRange, zoneLabel } from "./format.js";
import { type Html, html } from "./html.js";
import { messageForm, messageOf } from "./message-form.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";

const LOOKAHEAD_MS = 400 * 86_400_000;
/** How long the page waits for a requester's profile (their zone) before showing without it. */
const ZONE_LOOKUP_MS = 1500;

interface Requester {
  address?: string;
  did?: string;
}

function requesterOf(b: Booking): Requester {
  const r = b.details?.requester;
  return r && typeof r === "object" ? (r as Requester) : {};
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** The requester's zone, from their verified profile (cached by federation); undefined if unknown. */
async function requesterZone(ctx: Context, r: Requester): Promise<string | undefined> {
  if (!r.address || !r.did) return undefined;
  const lookup = ctx.profiles.get(r.address).then(
    (p) => text(p.profile.timezone),
    () => undefined,
  );
  const timeout = new Promise<undefined>((resolve) => {
    setTimeout(() => resolve(undefined), ZONE_LOOKUP_MS).unref();
  });
  return Promise.race([lookup, timeout]);
}

const CHANNEL_WORDS: Record<ChannelNotice["status"], string> = {
  sent: "sent",
  queued: "queued (delivered and retried by the webhook outbox)",
  failed: "failed",
  unsupported: "unsupported",
};

/** How the person was told of the request: each channel of their profile and its outcome. */
function noticeOf(notice: RequestNotice | undefined): Html {
  if (!notice) return html`<dd>not yet</dd>`;
  if (notice.channels.length === 0) return html`<dd>no channels in your profile</dd>`;
  return html`<dd><ul class="channels">${notice.channels.map(
    (c) =>
      html`<li data-channel="${c.type}" data-status="${c.status}">${c.type} <code>${c.value}</code>: <span class="status status-${c.status}">${CHANNEL_WORDS[c.status]}</span>${
        c.reason !== undefined ? html` (${c.reason})` : ""
      }</li>`,
  )}</ul></dd>`;
}

async function requestCard(
  ctx: Context,
  b: Booking,
  zone: string,
  notice: RequestNotice | undefined,
): Promise<Html> {
  const r = requesterOf(b);
  const theirZone = await requesterZone(ctx, r);
  const subject = text(b.details?.title) ?? "(no subject)";
  const note = text(b.details?.note);
  const who = r.address ?? b.agentId;
  const id = b.id;
  return html`<article class="card" id="${id}" aria-labelledby="t-${id}" data-booking-id="${id}">
  <h3 id="t-${id}">${subject}</h3>
  <dl>
    <dt>From</dt>
    <dd>${who} ${
      r.did
        ? html`<span class="verified">(organization verified)</span>`
        : html`<span class="unverified">(not verified)</span>`
    }</dd>
    <dt>When (your time)</dt><dd>${timeRange(b.start, b.end, zone)} ${zoneLabel(b.start, zone)}</dd>
    <dt>When (their time)</dt><dd>${
      theirZone
        ? html`${timeRange(b.start, b.end, theirZone)} ${zoneLabel(b.start, theirZone)} (${theirZone})`
        : "unknown"
    }</dd>
    ${note ? html`<dt>Note</dt><dd>${note}</dd>` : ""}
    <dt>Expires</dt><dd>${b.pendingUntil ? instant(b.pendingUntil, zone) : "—"}</dd>
    <dt>Told you by</dt>${noticeOf(notice)}
  </dl>
  <div class="actions">
    <form method="post" action="/inbox/requests/${id}/accept">
      <button type="submit" class="primary" aria-label="Accept: ${subject}">Accept</button>
    </form>
    ${messageForm({
      action: `/inbox/requests/${id}/decline`,
      fieldId: `m-${id}`,
      button: "Decline",
      buttonName: `Decline: ${subject}`,
    })}
  </div>
</article>`;
}

const NOTICES: Record<string, string> = {
  accepted: "Accepted: the meeting is booked and the requester is told.",
  declined: "Declined: the requester is told.",
};

export function requestsRouter(ctx: Context): Router {
  const router = Router();

  router.get("/inbox", async (req, res) => {
    const person = personOf(req);
    const [view, now] = await Promise.all([
      loadCalendar(ctx.store, person.username),
      ctx.store.now(person.username),
    ]);
    const zone = view.profile.timezone;
    const pending = await ctx.store.listPending(person.username, {
      start: now,
      end: now + LOOKAHEAD_MS,
    });
    const live = pending.filter((b) => b.status === "pending" && (b.pendingUntil ?? 0) > now);
    const notices = new Map(
      (await listRequestNotices(ctx, person)).map((n) => [n.bookingId, n] as const),
    );
    const cards = await Promise.all(live.map((b) => requestCard(ctx, b, zone, notices.get(b.id))));
    const notice = NOTICES[String(req.query.done)];
    await renderPage(res, ctx, person, {
      title: "Requests",
      current: "/inbox",
      live: true,
      body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<p>Requests waiting for your answer. Times are shown in your zone (${zone}) and the requester's.</p>
${cards.length > 0 ? cards : html`<p id="no-requests">No requests are waiting for you.</p>`}`,
    });
  });

  const decide = (decision: "accept" | "decline") => async (req: Request, res: Response) => {
    const person = personOf(req);
    const bookingId = req.params.id as string;
    if (!ID_RE.test(bookingId))
      throw new NotFoundError(`No request ${bookingId}`, "booking_not_found");
    const message = messageOf(req.body);
    const result = await decideRequest(ctx.booking, person, {
      username: person.username,
      bookingId,
      decision,
      ...(message !== undefined && { message }),
    });
    switch (result.outcome) {
      case "confirmed":
      case "declined":
        res.redirect(303, `/inbox?done=${decision === "accept" ? "accepted" : "declined"}`);
        return;
      case "conflict":
        await renderPage(
          res,
          ctx,
          person,
          {
            title: "Not accepted",
            body: html`<p class="notice error" role="alert">The time is no longer free, so this request cannot be accepted. You may decline it.</p><p><a href="/inbox">Back to requests</a></p>`,
          },
          409,
        );
        return;
      case "rule_violation":
        await renderPage(
          res,
          ctx,
          person,
          {
            title: "Not accepted",
            body: html`<p class="notice error" role="alert">Accepting would break a rule of your calendar: ${result.message}</p><p><a href="/inbox">Back to requests</a></p>`,
          },
          422,
        );
        return;
    }
  };
  router.post("/inbox/requests/:id/accept", decide("accept"));
  router.post("/inbox/requests/:id/decline", decide("decline"));
  return router;
}
