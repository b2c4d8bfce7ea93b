/**
 * `/api/callbacks/{username}/{booking_id}`: the URL this node gives another node when a
 * local agent asks it for a meeting. That node tells here, with a request token of its
 * organization, what its person decided; the local side follows.
 */
import { Router } from "express";
import { type CallbackType, receiveCallback } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AuthRequiredError, InvalidRequestError } from "../../errors.js";
import { USERNAME_RE } from "../../profile/index.js";
import type { PeerCallback } from "../api-types.gen.js";
import { validateBody } from "../validate.js";
import { peerByIssuer, verifyPeerToken } from "./peer-auth.js";

export function peerCallbacksRouter(ctx: Context): Router {
  const router = Router();
  router.post("/api/callbacks/:username/:bookingId", async (req, res) => {
    const username = req.params.username as string;
    if (!USERNAME_RE.test(username))
      throw new InvalidRequestError("Not a callback URL of this node");
    const body = validateBody<PeerCallback>("peer-callback", req.body);
    const peer = await verifyPeerToken(ctx, req);
    if (!peer) throw new AuthRequiredError("A request token of the calling node is required");
    const result = await receiveCallback(ctx.booking, peerByIssuer(peer.iss), {
      username,
      bookingId: req.params.bookingId as string,
      type: body.type as CallbackType,
      remoteBookingId: body.booking_id,
    });
    res.json({ received: body.event_id, outcome: result.outcome });
  });
  return router;
}
