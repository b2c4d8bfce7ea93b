import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Signer } from "../../../src/identity/index.js";
import { createTestNode, sampleProfileInput, type TestNode } from "../../helpers/node.js";

let node: TestNode;
beforeEach(async () => {
  node = await createTestNode();
});
afterEach(async () => {
  await node.close();
});

async function putProfile(username: string, body: unknown) {
  return request(node.app)
    .put(`/admin/v1/users/${username}`)
    .set(node.admin)
    .send(body as object);
}

describe("GET /.well-known/calendario/{username}", () => {
  it("serves the signed profile with organization, self and both proofs", async () => {
    expect((await putProfile("jane", sampleProfileInput())).status).toBe(201);
    const res = await request(node.app).get("/.well-known/calendario/jane");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["cache-control"]).toMatch(/max-age=\d+/);
    expect(res.body.organization).toBe("https://node.test");
    expect(res.body.self).toMatch(/^did:key:z6Mk/);
    expect(res.body.self_proof.verificationMethod.startsWith(res.body.self)).toBe(true);
    expect(res.body.organization_proof.verificationMethod.startsWith("did:web:node.test#")).toBe(
      true,
    );
    expect(res.body.response_channel.confirm.free_busy_url).toBe(
      "https://node.test/api/freebusy/jane",
    );
  });

  it("answers 304 to a matching If-None-Match and a new ETag after a change", async () => {
    await putProfile("jane", sampleProfileInput());
    const first = await request(node.app).get("/.well-known/calendario/jane");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await request(node.app)
      .get("/.well-known/calendario/jane")
      .set("If-None-Match", etag);
    expect(again.status).toBe(304);
    await putProfile("jane", sampleProfileInput("jane", { display_name: "Jane Q. Doe" }));
    const changed = await request(node.app)
      .get("/.well-known/calendario/jane")
      .set("If-None-Match", etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it("signs once per change, not per request", async () => {
    // Counts every signature the node makes: the organization's and the custodial key's.
    let signatures = 0;
    const counting = (signer: Signer): Signer => ({
      ...signer,
      signDetached: (payload) => {
        signatures++;
        return signer.signDetached(payload);
      },
      signCompact: (payload) => {
        signatures++;
        return signer.signCompact(payload);
      },
    });
    // Publishing signs with what its dependencies hold: both keys are counted there.
    const deps = node.ctx.publishDeps;
    const custodial = deps.custodialSigner;
    deps.orgSigner = counting(deps.orgSigner);
    deps.custodialSigner = async (username) => counting(await custodial(username));

    expect((await putProfile("jane", sampleProfileInput())).status).toBe(201);
    const perChange = signatures;
    expect(perChange).toBeGreaterThan(0);
    const a = await request(node.app).get("/.well-known/calendario/jane");
    const b = await request(node.app).get("/.well-known/calendario/jane");
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
    expect(signatures).toBe(perChange);
    const changed = sampleProfileInput("jane", { display_name: "Jane Q. Doe" });
    expect((await putProfile("jane", changed)).status).toBe(200);
    expect(signatures).toBe(2 * perChange);
    await request(node.app).get("/.well-known/calendario/jane").expect(200);
    expect(signatures).toBe(2 * perChange);
  });

  it("answers a JSON 404 for an unknown user and for a name that cannot be a user", async () => {
    for (const name of ["nobody", "Not..Valid", "%00"]) {
      const res = await request(node.app).get(`/.well-known/calendario/${name}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("unknown_user");
    }
  });

  it("hides a private profile from anonymous callers but shows it to the admin", async () => {
    await putProfile("sam", sampleProfileInput("sam", { visibility: "private" }));
    const anon = await request(node.app).get("/.well-known/calendario/sam");
    expect(anon.status).toBe(404);
    expect(anon.body.error.code).toBe("unknown_user");
    const admin = await request(node.app).get("/.well-known/calendario/sam").set(node.admin);
    expect(admin.status).toBe(200);
    expect(admin.headers["cache-control"]).toContain("private");
  });
});

describe("node metadata and DID document", () => {
  it("serves did:web with the organization key under assertionMethod and authentication", async () => {
    const res = await request(node.app).get("/.well-known/did.json");
    expect(res.status).toBe(200);
    expect(res.body.id).toBe("did:web:node.test");
    const [vm] = res.body.verificationMethod;
    expect(vm.publicKeyJwk).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(vm.publicKeyJwk.d).toBeUndefined();
    expect(res.body.assertionMethod).toContain(vm.id);
    expect(res.body.authentication).toContain(vm.id);
  });

  it("writes a port as %3A in did:web", async () => {
    const other = await createTestNode({ publicUrl: "http://localhost:8443" });
    const res = await request(other.app).get("/.well-known/did.json");
    expect(res.body.id).toBe("did:web:localhost%3A8443");
    await other.close();
  });

  it("describes the node at /.well-known/calendario", async () => {
    const res = await request(node.app).get("/.well-known/calendario");
    expect(res.body).toMatchObject({
      protocol: "calendario",
      version: "0.1",
      domain: "node.test",
      did: "did:web:node.test",
    });
    expect(res.body.endpoints.profile).toBe("https://node.test/.well-known/calendario/{username}");
    expect(res.body.software.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("answers /healthz", async () => {
    const res = await request(node.app).get("/healthz");
    expect(res.body).toEqual({ status: "ok", store: "memory" });
  });
});

describe("admin API", () => {
  it("refuses without a token (401) and with a wrong one (403)", async () => {
    const none = await request(node.app).put("/admin/v1/users/jane").send(sampleProfileInput());
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthorized");
    const wrong = await request(node.app)
      .put("/admin/v1/users/jane")
      .set("Authorization", "Bearer not-the-token")
      .send(sampleProfileInput());
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("forbidden");
    expect((await request(node.app).get("/.well-known/calendario/jane")).status).toBe(404);
  });

  it("refuses an invalid profile listing every error, and changes nothing", async () => {
    await putProfile("jane", sampleProfileInput());
    const before = await request(node.app).get("/.well-known/calendario/jane");
    const bad = sampleProfileInput("jane", {
      timezone: 42,
      visibility: "secret",
      scheduling: [{ type: "weekly", hours: ["09:00-25:00"] }],
    });
    const res = await putProfile("jane", bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_profile");
    const pointers = res.body.error.details.map((d: { pointer: string }) => d.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        "/timezone",
        "/visibility",
        "/scheduling/0/days",
        "/scheduling/0/hours/0",
      ]),
    );
    const after = await request(node.app).get("/.well-known/calendario/jane");
    expect(after.text).toBe(before.text);
  });

  it("refuses a semantically invalid profile (unknown time zone)", async () => {
    const res = await putProfile("jane", sampleProfileInput("jane", { timezone: "Mars/Olympus" }));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].pointer).toBe("/timezone");
  });

  it("refuses a profile JCS cannot represent (a lone surrogate) as invalid_profile", async () => {
    const res = await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .set("Content-Type", "application/json")
      .send(JSON.stringify(sampleProfileInput("jane")).replace('"Jane Doe"', '"Jane \\ud800"'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_profile");
  });

  it("refuses a profile that repeats a member, naming it, and changes nothing", async () => {
    const json = JSON.stringify(sampleProfileInput("jane")).replace(
      '"display_name":"Jane Doe"',
      '"display_name":"Jane Doe","display_name":"Mallory"',
    );
    const res = await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .set("Content-Type", "application/json")
      .send(json);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_profile");
    expect(res.body.error.details).toEqual([
      { pointer: "/display_name", message: expect.stringMatching(/appears twice/) },
    ]);
    expect(await node.ctx.store.getUser("jane")).toBeNull();
  });

  it("fills what the official schema requires of response_channel, keeping what is given", async () => {
    const given = sampleProfileInput("jane", {
      response_channel: { human_ack_required: true, booking_error_message: "Not then." },
    });
    const served = (await putProfile("jane", given)).body.profile;
    expect(served.response_channel).toEqual({
      human_ack_required: true,
      notify: [],
      confirm: {
        meeting_response_url: "https://node.test/api/bookings/jane",
        free_busy_url: "https://node.test/api/freebusy/jane",
      },
      booking_confirmation_message: "Your booking is confirmed.",
      booking_error_message: "Not then.",
    });
  });

  it("accepts an unknown nested member (a warning, not an error)", async () => {
    const given = sampleProfileInput("jane", {
      response_channel: { human_ack_required: false, x_sms_gateway: "twilio" },
    });
    expect((await putProfile("jane", given)).status).toBe(201);
  });

  it("refuses a username that differs from the path", async () => {
    const res = await putProfile("jane", sampleProfileInput("john"));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].pointer).toBe("/username");
  });

  it("refuses a self DID the node holds no key for when there is no self_proof", async () => {
    const res = await putProfile(
      "jane",
      sampleProfileInput("jane", {
        self: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].pointer).toBe("/self");
  });

  it("deletes a user", async () => {
    await putProfile("jane", sampleProfileInput());
    expect((await request(node.app).delete("/admin/v1/users/jane").set(node.admin)).status).toBe(
      204,
    );
    expect((await request(node.app).get("/.well-known/calendario/jane")).status).toBe(404);
    expect((await request(node.app).delete("/admin/v1/users/jane").set(node.admin)).status).toBe(
      404,
    );
  });

  it("lists users and shows one with its input", async () => {
    await putProfile("jane", sampleProfileInput());
    const list = await request(node.app).get("/admin/v1/users").set(node.admin);
    expect(list.body).toEqual({ users: ["jane"] });
    const one = await request(node.app).get("/admin/v1/users/jane").set(node.admin);
    expect(one.body.input.self).toBeUndefined();
    expect(one.body.profile.self_proof).toBeDefined();
  });
});

describe("bad requests", () => {
  it("answers 400 to malformed JSON", async () => {
    const res = await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .set("Content-Type", "application/json")
      .send('{"version": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("malformed_json");
  });

  it("answers 413 to an oversized body", async () => {
    const res = await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .send({ ...sampleProfileInput(), meta: { blob: "x".repeat(400_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("answers 415 to a body that is not JSON", async () => {
    const res = await request(node.app)
      .put("/admin/v1/users/jane")
      .set(node.admin)
      .set("Content-Type", "text/plain")
      .send("hello");
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("answers a JSON 404 for an unknown route", async () => {
    const res = await request(node.app).get("/no/such/thing");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it("answers 400 when the profile body is not an object", async () => {
    for (const body of ["[]", "42", "null", '"text"']) {
      const res = await request(node.app)
        .put("/admin/v1/users/jane")
        .set(node.admin)
        .set("Content-Type", "application/json")
        .send(body);
      expect(res.status).toBe(400);
    }
  });
});
