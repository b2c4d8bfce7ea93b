/** Bookings: the person's upcoming meetings, each with Cancel (the booking core's cancel, as the person). */
import { Router } from "express";
import { type Booking, ID_RE } from "../../arbiter/index.js";
import { cancelBooking, loadCalendar } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { NotFoundError } from "../../errors.js";
import { actorName, type Names, timeRange, zoneLabel } from "./format.js";
import { html } from "./html.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";

const LOOKAHEAD_MS = 400 * 86_400_000;

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

function bookingCard(b: Booking, zone: string, names: Names) {
  const requester = (b.details?.requester as { address?: string } | undefined)?.address;
  const subject = text(b.details?.title) ?? "(no subject)";
  const by = actorName(b.agentId, names, requester);
  return html`<article class="card" aria-labelledby="t-${b.id}" data-booking-id="${b.id}">
  <h3 id="t-${b.id}">${subject}</h3>
  <dl>
    <dt>When</dt><dd>${timeRange(b.start, b.end, zone)} ${zoneLabel(b.start, zone)}</dd>
    <dt>Booked by</dt><dd>${by}</dd>
    ${b.remote ? html`<dt>With</dt><dd>${b.remote.address} (${b.remote.status})</dd>` : ""}
    ${text(b.details?.note) ? html`<dt>Note</dt><dd>${text(b.details?.note)}</dd>` : ""}
  </dl>
  <form method="post" action="/inbox/bookings/${b.id}/cancel">
    <button type="submit" aria-label="Cancel: ${subject}">Cancel</button>
  </form>
</article>`;
}

export function bookingsRouter(ctx: Context): Router {
  const router = Router();

  router.get("/inbox/bookings", async (req, res) => {
    const person = personOf(req);
    const [view, now, agents] = await Promise.all([
      loadCalendar(ctx.store, person.username),
      ctx.store.now(person.username),
      ctx.store.listAgents(person.username),
    ]);
    const zone = view.profile.timezone;
    const bookings = await ctx.store.listBookings(person.username, {
      start: now,
      end: now + LOOKAHEAD_MS,
    });
    const names: Names = {
      displayName: String(view.profile.display_name ?? person.username),
      agents: new Map(agents.map((a) => [a.id, a])),
    };
    const cancelled = req.query.done === "cancelled";
    await renderPage(res, ctx, person, {
      title: "Bookings",
      current: "/inbox/bookings",
      live: true,
      body: html`${cancelled ? html`<p class="notice" role="status">Cancelled: whoever booked it is told.</p>` : ""}
${bookings.length > 0 ? bookings.map((b) => bookingCard(b, zone, names)) : html`<p>No upcoming bookings.</p>`}`,
    });
  });

  router.post("/inbox/bookings/:id/cancel", async (req, res) => {
    const person = personOf(req);
    const bookingId = req.params.id as string;
    if (!ID_RE.test(bookingId))
      throw new NotFoundError(`No booking ${bookingId}`, "booking_not_found");
    await cancelBooking(ctx.booking, person, { bookingId });
    res.redirect(303, "/inbox/bookings?done=cancelled");
  });

  return router;
}
