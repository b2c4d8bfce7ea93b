/**
 * `/api/bookings/{username}`: the profile's `meeting_response_url`, where people and
 * agents of other organizations ask for a person's time, with a request token, and read
 * or cancel what they asked for. Answers are in the Calendario formats.
 */
import { type Request, type Response, Router } from "express";
import { parseInstant } from "../../availability/index.js";
import {
  type AnonymousCaller,
  cancelPeerBooking,
  type PeerCaller,
  type PeerRequestResult,
  peerBooking,
  requestBooking,
} from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AuthRequiredError, ConflictError, InvalidRequestError } from "../../errors.js";
import { isoUtc } from "../../iso-time.js";
import type { PeerBookingRequest } from "../api-types.gen.js";
import { violationError } from "../v1/answers.js";
import { validateBody } from "../validate.js";
import { visibleUser } from "../visible-user.js";
import { calendarioBooking, confirmChannel } from "./booking-format.js";
import { bindPeer, peerByIssuer, verifyPeerToken } from "./peer-auth.js";

function sendResult(
  res: Response,
  result: PeerRequestResult,
  profile: Record<string, unknown>,
): void {
  switch (result.outcome) {
    case "confirmed":
      res.status(201).json(calendarioBooking(result.booking, result.view.profile));
      return;
    case "pending":
      res.status(202).json({
        status: "pending",
        booking_id: result.booking.id,
        expires_at: isoUtc(result.expiresAt),
      });
      return;
    case "rule_violation":
      throw violationError(result);
    case "conflict": {
      // The Calendario conflict format; it never names the person's agents.
      const channel = confirmChannel(profile);
      const reason =
        channel.errorMessage ?? "The requested time is not available; see suggested_times";
      throw new ConflictError(reason, {
        status: "conflict",
        reason,
        suggested_times: result.suggestions.map((s) => isoUtc(s.start)),
        ...(channel.meetingUrl !== undefined && { fallback_meeting_url: channel.meetingUrl }),
      });
    }
  }
}

export function peerBookingsRouter(ctx: Context): Router {
  const router = Router();
  const deps = ctx.booking;

  router.post("/api/bookings/:username", async (req, res) => {
    const user = await visibleUser(ctx, req);
    const body = validateBody<PeerBookingRequest>("peer-booking-request", req.body);
    const start = parseInstant(body.start_time);
    if (start === undefined)
      throw new InvalidRequestError("start_time is not an instant the node takes", [
        { pointer: "/start_time", message: "must be an RFC 3339 instant, in the years 1970-4999" },
      ]);
    const peer = await verifyPeerToken(ctx, req);
    const caller: PeerCaller | AnonymousCaller = peer
      ? await bindPeer(ctx, peer.iss, body.requester)
      : { kind: "anonymous", address: body.requester };
    const result = await requestBooking(deps, caller, {
      username: user.username,
      start,
      durationMinutes: body.duration_minutes,
      requester: body.requester,
      subject: body.subject,
      note: body.note,
      callbackUrl: body.callback_url,
    });
    sendResult(res, result, JSON.parse(user.published));
  });

  async function requester(req: Request) {
    const peer = await verifyPeerToken(ctx, req);
    if (!peer) throw new AuthRequiredError("A request token is required");
    return peerByIssuer(peer.iss);
  }

  router.get("/api/bookings/:username/:bookingId", async (req, res) => {
    const user = await visibleUser(ctx, req);
    const booking = await peerBooking(deps, await requester(req), {
      username: user.username,
      bookingId: req.params.bookingId as string,
    });
    res.json(calendarioBooking(booking, JSON.parse(user.published)));
  });

  router.delete("/api/bookings/:username/:bookingId", async (req, res) => {
    const user = await visibleUser(ctx, req);
    const cancelled = await cancelPeerBooking(deps, await requester(req), {
      username: user.username,
      bookingId: req.params.bookingId as string,
    });
    res.json(calendarioBooking(cancelled.booking, JSON.parse(user.published)));
  });

  return router;
}
