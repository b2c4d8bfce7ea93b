/**
 * Booking across two organizations, end to end: acme (two node processes on one Redis
 * and one DATA_DIR) and globex (one process, its own Redis), found through a real DNS
 * server on loopback, talking plain http (CALENDARIO_ALLOW_INSECURE=1). bob's agent at
 * globex books jane at acme with POST /v1/meetings; jane's node decides, at once or
 * when the admin accepts or declines for her, and tells globex by a signed callback.
 * The cases run in order on one pair of organizations; acme's per-address rate limit
 * (30 verified requests a minute from 127.0.0.1, which is also where globex's requests
 * come from) is spent by the last case only.
 */
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deriveUserKey,
  didKeySigner,
  orgSigner,
  type Signer,
  signRequestToken,
} from "../../src/identity/index.js";
import {
  type Agent,
  type Answer,
  call,
  type Federation,
  iso,
  startFederation,
  waitFor,
} from "./federation/harness.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 00:00 UTC three days from now: every slot but the expiry case's lies on that day. */
const DAY0 = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
const slot = (hour: number, minutes = 30) => ({
  start: DAY0 + hour * HOUR,
  end: DAY0 + hour * HOUR + minutes * MIN,
});
const WIDE = { start: DAY0 - DAY, end: DAY0 + 2 * DAY };

let fed: Federation;
let bob: Agent;
let carol: Agent;
/** bob's custodial key as globex derives it from its first organization key. */
let bobSigner: Signer;

beforeAll(async () => {
  fed = await startFederation();
  await fed.acme.putProfile("jane");
  await fed.globex.putProfile("bob");
  await fed.globex.putProfile("carol");
  bob = await fed.globex.createAgent("bob", "bob-assistant");
  carol = await fed.globex.createAgent("carol", "carol-assistant");
  bobSigner = await didKeySigner(deriveUserKey((await fed.globex.orgKey()) as JWK, "bob"));
}, 90_000);

afterAll(async () => {
  await fed?.stop();
});

const meet = (agent: Agent, s: { start: number; end: number }, extra = {}) =>
  call(`${agent.url}/v1/meetings`, "POST", agent.key, {
    with: fed.acme.address("jane"),
    start: iso(s.start),
    end: iso(s.end),
    ...extra,
  });

const localBooking = (agent: Agent, id: string) =>
  call(`${agent.url}/v1/bookings/${id}`, "GET", agent.key);

const asBusy = (s: { start: number; end: number }) => ({ start: iso(s.start), end: iso(s.end) });

/** What a refused request must leave as it was: jane's calendar and her audit chain. */
async function janeState() {
  return {
    busy: await fed.acme.busy("jane", WIDE),
    events: (await fed.acme.audit("jane")).length,
  };
}

const bookingBody = (s: { start: number; end: number }, extra = {}) =>
  JSON.stringify({
    start_time: iso(s.start),
    duration_minutes: Math.round((s.end - s.start) / MIN),
    requester: fed.globex.address("bob"),
    ...extra,
  });

describe.sequential("federation: two organizations over DNS, HTTP and Redis", () => {
  it("1. books jane at acme from bob's agent at globex: 201, busy on both, audited on both", async () => {
    const s = slot(9);
    const jane = fed.acme.address("jane");
    const answer = await meet(bob, s, { subject: "Quarterly review" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toStrictEqual({
      booking_id: expect.stringMatching(/^bkg_/),
      status: "committed",
      start: iso(s.start),
      end: iso(s.end),
      agent_id: bob.id,
      priority: 1,
      committed_at: expect.any(String),
      frozen_at: expect.any(String),
      // Frozen at once, like jane's side: a bump at globex would leave hers standing.
      frozen: true,
      hold_id: expect.stringMatching(/^hld_/),
      remote: { address: jane, booking_id: expect.stringMatching(/^bkg_/), status: "confirmed" },
      invitee: { address: jane },
      title: "Quarterly review",
    });
    expect(answer.body.frozen_at).toBe(answer.body.committed_at);
    const localId = answer.body.booking_id as string;
    const remoteId = (answer.body.remote as { booking_id: string }).booking_id;

    expect(await fed.acme.busy("jane", WIDE)).toEqual([asBusy(s)]);
    expect(await fed.globex.busy("bob", WIDE)).toEqual([asBusy(s)]);

    // acme: committed by the requester's DID (bob's custodial did:key), as a peer.
    const acmeCommitted = (await fed.acme.audit("jane")).filter(
      (e) => e.type === "booking.committed",
    );
    expect(acmeCommitted).toHaveLength(1);
    expect(acmeCommitted[0]).toMatchObject({
      actor: bobSigner.did,
      resource: remoteId,
      data: {
        booking_id: remoteId,
        agent_id: `peer:${bobSigner.did}`,
        requester: bobSigner.did,
        start: s.start,
        end: s.end,
        callback_url: `${fed.globex.publicUrl}/api/callbacks/bob/${localId}`,
        details: {
          requester: { address: fed.globex.address("bob"), did: bobSigner.did },
          title: "Quarterly review",
        },
      },
    });
    // globex: committed by bob's agent.
    const globexCommitted = (await fed.globex.audit("bob")).filter(
      (e) => e.type === "booking.committed",
    );
    expect(globexCommitted).toHaveLength(1);
    expect(globexCommitted[0]).toMatchObject({
      actor: bob.id,
      resource: localId,
      data: { booking_id: localId, agent_id: bob.id, start: s.start, end: s.end },
    });
  });

  it("2. waits for jane when she must acknowledge: 202, pending on both, accepted, called back, booked on both", async () => {
    await fed.acme.putProfile("jane", { response_channel: { human_ack_required: true } });
    const s = slot(10);
    const before = {
      jane: await fed.acme.busy("jane", WIDE),
      bob: await fed.globex.busy("bob", WIDE),
    };
    const answer = await meet(bob, s);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body).toMatchObject({
      status: "pending",
      start: iso(s.start),
      end: iso(s.end),
      agent_id: bob.id,
      expires_at: expect.any(String),
      remote: { address: fed.acme.address("jane"), status: "pending" },
    });
    const localId = answer.body.booking_id as string;
    const remoteId = (answer.body.remote as { booking_id: string }).booking_id;

    // Pending on both sides, and the slot blocked on both.
    const waiting = await fed.acme.admin("GET", "/admin/v1/users/jane/requests");
    expect(waiting.status).toBe(200);
    expect(waiting.body.requests).toEqual([
      expect.objectContaining({
        booking_id: remoteId,
        status: "pending",
        start: iso(s.start),
        end: iso(s.end),
        agent_id: `peer:${bobSigner.did}`,
        requester: { address: fed.globex.address("bob"), did: bobSigner.did },
        expires_at: answer.body.expires_at,
      }),
    ]);
    const pendingHere = await localBooking(bob, localId);
    expect(pendingHere.status).toBe(200);
    expect(pendingHere.body).toMatchObject({
      status: "pending",
      remote: { booking_id: remoteId, status: "pending" },
    });
    expect(await fed.acme.busy("jane", WIDE)).toEqual(
      [...before.jane, asBusy(s)].sort((a, b) => a.start.localeCompare(b.start)),
    );
    expect(await fed.globex.busy("bob", WIDE)).toEqual(
      [...before.bob, asBusy(s)].sort((a, b) => a.start.localeCompare(b.start)),
    );

    // The admin accepts for jane; globex hears it through the signed callback.
    const accepted = await fed.acme.admin(
      "POST",
      `/admin/v1/users/jane/bookings/${remoteId}/accept`,
      {},
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({
      booking_id: remoteId,
      status: "committed",
      audit_ref: expect.any(String),
    });
    const confirmed = await waitFor(
      "globex sees the booking confirmed",
      () => localBooking(bob, localId),
      (a) =>
        a.body.status === "committed" &&
        (a.body.remote as { status?: string } | undefined)?.status === "confirmed",
    );
    expect(confirmed.body).toMatchObject({
      booking_id: localId,
      status: "committed",
      remote: { address: fed.acme.address("jane"), booking_id: remoteId, status: "confirmed" },
    });
    expect(confirmed.body).not.toHaveProperty("expires_at");
    expect((await fed.acme.admin("GET", "/admin/v1/users/jane/requests")).body).toEqual({
      requests: [],
    });
    expect(await fed.acme.busy("jane", WIDE)).toContainEqual(asBusy(s));
    expect(await fed.globex.busy("bob", WIDE)).toContainEqual(asBusy(s));
    // The callback was acme's, verified by globex: the local decision names acme's DID.
    const decided = (await fed.globex.audit("bob")).filter((e) => e.resource === localId);
    expect(decided.at(-1)).toMatchObject({ type: "booking.confirmed", actor: fed.acme.did });
  });

  it("3. frees both sides when jane declines a pending request", async () => {
    const s = slot(11);
    const before = {
      jane: await fed.acme.busy("jane", WIDE),
      bob: await fed.globex.busy("bob", WIDE),
    };
    const answer = await meet(bob, s);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const localId = answer.body.booking_id as string;
    const remoteId = (answer.body.remote as { booking_id: string }).booking_id;
    expect(await fed.acme.busy("jane", WIDE)).toContainEqual(asBusy(s));

    const declined = await fed.acme.admin(
      "POST",
      `/admin/v1/users/jane/bookings/${remoteId}/decline`,
      { message: "Not this week" },
    );
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    expect(declined.body).toMatchObject({ booking_id: remoteId, status: "declined" });
    const local = await waitFor(
      "globex sees the request declined",
      () => localBooking(bob, localId),
      (a) => a.body.status !== "pending",
    );
    expect(local.body).toMatchObject({
      status: "declined",
      remote: { booking_id: remoteId, status: "declined" },
    });
    expect(await fed.acme.busy("jane", WIDE)).toEqual(before.jane);
    expect(await fed.globex.busy("bob", WIDE)).toEqual(before.bob);
  });

  it("4. frees both sides when a pending request expires (at the slot's start: no notice)", async () => {
    // A pending request never outlives its slot's start minus notice (0 here): a slot
    // 20 s ahead expires then, without waiting PENDING_TTL_SECONDS (at least 60 s).
    const start = Math.ceil(Date.now() / 1000) * 1000 + 20_000;
    const s = { start, end: start + 30 * MIN };
    const around = { start: start - HOUR, end: start + 2 * HOUR };
    const answer = await meet(bob, s);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.expires_at).toBe(iso(start));
    const localId = answer.body.booking_id as string;
    const remoteId = (answer.body.remote as { booking_id: string }).booking_id;
    expect(await fed.acme.busy("jane", around)).toEqual([asBusy(s)]);
    expect(await fed.globex.busy("bob", around)).toEqual([asBusy(s)]);

    await waitFor(
      "acme expires the request",
      () => fed.acme.audit("jane"),
      (events) => events.some((e) => e.type === "booking.expired" && e.resource === remoteId),
      45_000,
    );
    const local = await waitFor(
      "globex's side ends",
      () => localBooking(bob, localId),
      (a) => a.body.status !== "pending",
    );
    // globex's own pending copy expires at the same instant (acme's expires_at), so its
    // sweep and acme's booking.expired callback race: expired by itself (the callback then
    // changes nothing; remote.status stays "pending"), or declined by the callback.
    expect(["expired", "declined"]).toContain(local.body.status);
    expect(await fed.acme.busy("jane", around)).toEqual([]);
    expect(await fed.globex.busy("bob", around)).toEqual([]);
  }, 60_000);

  it("5. two requesters race for one slot: one 201, one 409 whose suggested times are free on both sides", async () => {
    await fed.acme.putProfile("jane", { response_channel: { human_ack_required: false } });
    const s = slot(13);
    const answers = await Promise.all([meet(bob, s), meet(carol, s)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const winnerIndex = answers.findIndex((a) => a.status === 201);
    const won = answers[winnerIndex]!;
    const lost = answers[1 - winnerIndex]!;
    const [winner, loser] = winnerIndex === 0 ? ["bob", "carol"] : ["carol", "bob"];
    expect(won.body).toMatchObject({
      status: "committed",
      remote: { address: fed.acme.address("jane"), status: "confirmed" },
    });
    expect(lost.body).toStrictEqual({
      error: { code: "conflict", message: expect.any(String) },
      side: "remote",
      suggested_times: expect.any(Array),
    });
    const suggested = lost.body.suggested_times as string[];
    expect(suggested.length).toBeGreaterThan(0);

    const janeBusy = await fed.acme.busy("jane", WIDE);
    const loserBusy = await fed.globex.busy(loser!, WIDE);
    expect(janeBusy.filter((b) => b.start === iso(s.start))).toEqual([asBusy(s)]);
    expect(await fed.globex.busy(winner!, WIDE)).toContainEqual(asBusy(s));
    expect(loserBusy).not.toContainEqual(asBusy(s));
    const overlaps = (busy: { start: string; end: string }[], t: number) =>
      busy.some((b) => Date.parse(b.start) < t + 30 * MIN && Date.parse(b.end) > t);
    for (const t of suggested.map(Date.parse)) {
      expect(t, iso(t)).toBeGreaterThan(Date.now());
      expect(overlaps(janeBusy, t), `jane busy at ${iso(t)}`).toBe(false);
      expect(overlaps(loserBusy, t), `${loser} busy at ${iso(t)}`).toBe(false);
    }
  });

  it("6. still books after globex restarts with a new organization key", async () => {
    const didDoc = async () =>
      (await call(`${fed.globex.url()}/.well-known/did.json`, "GET", undefined)).body;
    const oldDoc = await didDoc();
    await fed.restartGlobex({ newOrgKey: true });
    const newDoc = await didDoc();
    expect(newDoc.id).toBe(fed.globex.did);
    expect(newDoc.verificationMethod).not.toEqual(oldDoc.verificationMethod);

    const s = slot(15);
    const answer = await meet(bob, s);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      status: "committed",
      remote: { address: fed.acme.address("jane"), status: "confirmed" },
    });
    const remoteId = (answer.body.remote as { booking_id: string }).booking_id;
    expect(await fed.acme.busy("jane", WIDE)).toContainEqual(asBusy(s));
    expect(await fed.globex.busy("bob", WIDE)).toContainEqual(asBusy(s));
    // globex signed bob's profile again at start, with the custodial DID its new key
    // derives; it signs the request as that DID, and acme's cached copies of globex's DID
    // document and bob's profile are refreshed on the bad signature and the failed binding.
    const served = await call(`${fed.globex.url()}/.well-known/calendario/bob`, "GET", undefined);
    const committed = (await fed.acme.audit("jane")).find(
      (e) => e.type === "booking.committed" && e.resource === remoteId,
    );
    expect(committed).toMatchObject({ actor: served.body.self });
  });

  it("6b. after the key change, a process that never cached bob's profile still takes globex's request", async () => {
    // globex signed its stored profiles again with its new key when it started: a process
    // that never cached bob's profile fetches it and verifies it against globex's new DID
    // document.
    const orgKey = (await fed.globex.orgKey()) as JWK;
    const globexSigner = await orgSigner(fed.globex.domain, orgKey);
    // bob's custodial key is derived from the new organization key now.
    bobSigner = await didKeySigner(deriveUserKey(orgKey, "bob"));
    const r = slot(16);
    const body = bookingBody(r);
    const token = await signRequestToken(globexSigner, {
      aud: fed.acme.did,
      htm: "POST",
      htu: `${fed.acme.publicUrl}/api/bookings/jane`,
      body,
      now: Date.now(),
    });
    const answer = await call(`${fed.acme.url(1)}/api/bookings/jane`, "POST", token, body);
    expect(answer.body).toMatchObject({ status: "confirmed" });
    expect(answer.status).toBe(201);
    const served = await call(`${fed.globex.url()}/.well-known/calendario/bob`, "GET", undefined);
    const doc = (await call(`${fed.globex.url()}/.well-known/did.json`, "GET", undefined)).body;
    expect(
      (doc.verificationMethod as { id: string }[]).map((m) => m.id),
      "globex's DID document lists the key of bob's organization_proof",
    ).toContain(
      (served.body.organization_proof as { verificationMethod: string }).verificationMethod,
    );
  });

  describe.sequential("7. attacks on acme's POST /api/bookings/jane: refused, nothing booked", () => {
    const s = slot(17);
    const htu = () => `${fed.acme.publicUrl}/api/bookings/jane`;
    const post = (i: number, token: string | undefined, body: string) =>
      call(`${fed.acme.url(i)}/api/bookings/jane`, "POST", token, body);
    const sign = (body: string, over: Partial<Parameters<typeof signRequestToken>[1]> = {}) =>
      signRequestToken(bobSigner, {
        aud: fed.acme.did,
        htm: "POST",
        htu: htu(),
        body,
        now: Date.now(),
        ...over,
      });
    let spent: { token: string; body: string } | undefined;
    const refused = async (send: () => Promise<Answer>, status: number, code: string) => {
      const before = await janeState();
      const a = await send();
      expect(a.status, JSON.stringify(a.body)).toBe(status);
      expect(a.body).toStrictEqual({
        error: {
          code,
          message: expect.any(String),
          ...((a.body.error as { details?: unknown }).details !== undefined && {
            details: expect.any(Array),
          }),
        },
      });
      expect(await janeState()).toEqual(before);
      return a;
    };

    it("no token: 401 unauthorized", async () => {
      await refused(() => post(0, undefined, bookingBody(s)), 401, "unauthorized");
    });

    it("an expired token: 401 token_expired", async () => {
      const body = bookingBody(s);
      const token = await sign(body, { now: Date.now() - 400_000 });
      await refused(() => post(0, token, body), 401, "token_expired");
    });

    it("a token for another audience: 401 invalid_audience", async () => {
      const body = bookingBody(s);
      const token = await sign(body, { aud: fed.globex.did });
      await refused(() => post(0, token, body), 401, "invalid_audience");
    });

    it("a token for another user's URL: 401 invalid_token", async () => {
      const body = bookingBody(s);
      const token = await sign(body, { htu: `${fed.acme.publicUrl}/api/bookings/joe` });
      await refused(() => post(0, token, body), 401, "invalid_token");
    });

    it("a body changed by one byte: 401 invalid_token", async () => {
      const body = bookingBody(s, { subject: "Lunch" });
      const token = await sign(body);
      await refused(() => post(0, token, body.replace("Lunch", "Munch")), 401, "invalid_token");
    });

    it('alg "none": 401 invalid_token', async () => {
      const body = bookingBody(s);
      const real = (await sign(body)).split(".");
      const header = JSON.parse(Buffer.from(real[0]!, "base64url").toString("utf8"));
      const none = Buffer.from(JSON.stringify({ ...header, alg: "none" })).toString("base64url");
      await refused(() => post(0, `${none}.${real[1]}.`, body), 401, "invalid_token");
    });

    it("a callback_url on another domain: 400 invalid_callback_url", async () => {
      const body = bookingBody(s, { callback_url: "http://evil.test:1/api/callbacks/bob/x" });
      const token = await sign(body);
      await refused(() => post(0, token, body), 400, "invalid_callback_url");
    });

    it("a replayed token, to the same process and to acme's second process: 401 token_replayed", async () => {
      const r = slot(18);
      const body = bookingBody(r);
      const token = await sign(body);
      spent = { token, body };
      const first = await post(0, token, body);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toStrictEqual({
        status: "confirmed",
        booking_id: expect.stringMatching(/^bkg_/),
        start_time: iso(r.start),
        duration_minutes: 30,
        // The node fills the message the official schema requires of jane's profile.
        confirmation_message: "Your booking is confirmed.",
      });
      await refused(() => post(0, token, body), 401, "token_replayed");
      await refused(() => post(1, token, body), 401, "token_replayed");
      expect((await fed.acme.busy("jane", WIDE)).filter((b) => b.start === iso(r.start))).toEqual([
        asBusy(r),
      ]);
    });

    it("30 rapid requests: 429 rate_limited with Retry-After (spends acme's limit: last)", async () => {
      // The token the replay case spent: each request passes the parse and the rate limit
      // (401 token_replayed, nothing booked) until the limit is reached.
      const before = await janeState();
      const answers: Answer[] = [];
      for (let i = 0; i < 30; i++) answers.push(await post(i % 2, spent!.token, spent!.body));
      const statuses = answers.map((a) => `${a.status} ${(a.body.error as { code: string }).code}`);
      const first429 = statuses.indexOf("429 rate_limited");
      expect(first429, statuses.join(", ")).toBeGreaterThanOrEqual(0);
      expect(statuses.slice(0, first429).every((x) => x === "401 token_replayed")).toBe(true);
      expect(statuses.slice(first429).every((x) => x === "429 rate_limited")).toBe(true);
      for (const limited of answers.slice(first429)) {
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
        expect(limited.body).toStrictEqual({
          error: { code: "rate_limited", message: expect.any(String) },
        });
      }
      expect(await janeState()).toEqual(before);
    });
  });
});
