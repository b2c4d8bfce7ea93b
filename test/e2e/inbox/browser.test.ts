/**
 * The inbox in headless Chromium (Debian's chromium, driven by playwright-core) against
 * real node processes: acme (two processes on one Redis) where jane's profile waits for
 * her acknowledgement, and globex, whose agent asks jane for meetings through the
 * federation. The browser reaches acme by its name (a host-resolver rule maps acme.test to
 * loopback), so its Origin is acme's PUBLIC_URL. A screenshot of each page is written to
 * test-output/screenshots/.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Agent,
  type AuditEvent,
  call,
  type Federation,
  startFederation,
  waitFor,
} from "../federation/harness.js";
import { expectChromium, launchChromium } from "./chromium.js";

const SHOTS = path.resolve(__dirname, "../../../test-output/screenshots");
const HOUR = 3_600_000;

describe("the inbox in Chromium", { timeout: 90_000 }, () => {
  let fed: Federation;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let annaBot: Agent;
  let first: Agent;
  let second: Agent;
  /** Each meeting asked for takes the next hour, from the day after tomorrow on. */
  let nextSlot = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR + 9 * HOUR;

  beforeAll(async () => {
    expectChromium();
    // Commits within a second of each other are decided together, by rank (the race below).
    process.env.ARBITRATION_WINDOW_MS = "1000";
    fed = await startFederation();
    await fed.acme.putProfile("jane", {
      display_name: "Jane Lee",
      timezone: "Europe/Paris",
      response_channel: { human_ack_required: true },
    });
    await fed.globex.putProfile("ana", { display_name: "Ana Diaz", timezone: "America/New_York" });
    annaBot = await fed.globex.createAgent("ana", "Ana's assistant", 1);
    first = await fed.acme.createAgent("jane", "Sales bot", 1);
    second = await fed.acme.createAgent("jane", "Helper", 2);
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    if (process.env.INBOX_E2E_DEBUG)
      context.on("response", (r) => process.stderr.write(`${r.status()} ${r.url()}\n`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fed?.stop();
  }, 60_000);

  const mintLink = async () => {
    const res = await fed.acme.admin("POST", "/admin/v1/users/jane/login-links");
    expect(res.status).toBe(201);
    return res.body.url as string;
  };

  /** Ana's agent asks jane (on acme) for a meeting; the answer of its node. */
  const askJane = async (subject: string, note?: string) => {
    const start = nextSlot;
    nextSlot += HOUR;
    const res = await call(`${annaBot.url}/v1/meetings`, "POST", annaBot.key, {
      with: fed.acme.address("jane"),
      start: new Date(start).toISOString(),
      end: new Date(start + 30 * 60_000).toISOString(),
      subject,
      ...(note !== undefined && { note }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return { start, body: res.body };
  };

  const janeEvents = async (type: string) =>
    (await fed.acme.audit("jane")).filter((e: AuditEvent) => e.type === type);
  const anaEvents = async (type: string) =>
    (await fed.globex.audit("ana")).filter((e: AuditEvent) => e.type === type);

  const card = (p: Page, subject: string) => p.locator("article", { hasText: subject });

  it("signs in from a minted link with the Sign in button", async () => {
    const url = await mintLink();
    expect(url.startsWith(fed.acme.publicUrl)).toBe(true);
    await page.goto(url);
    await page.screenshot({ path: path.join(SHOTS, "signin.png"), fullPage: true });
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${fed.acme.publicUrl}/inbox`);
    await expect(
      page.getByRole("heading", { name: "Requests", level: 1 }).isVisible(),
    ).resolves.toBe(true);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "calendario_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/inbox" });
  });

  it("refuses the used link with a clear page", async () => {
    const url = await mintLink();
    const other = await context.newPage();
    await other.goto(url);
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.waitForURL(`${fed.acme.publicUrl}/inbox`);
    await other.goto(url);
    const answer = other.waitForResponse((r) => r.url().endsWith("/inbox/signin"));
    await other.getByRole("button", { name: "Sign in" }).click();
    expect((await answer).status()).toBe(400);
    await expect(other.getByRole("alert").textContent()).resolves.toContain("already used");
    await other.close();
  });

  it("shows a peer node's request live, and Accept books both calendars; the peer gets the signed callback", async () => {
    await page.goto(`${fed.acme.publicUrl}/inbox`);
    await page.waitForSelector("body[data-live-connected]");
    await page.evaluate("window.stayed = true");
    const { start, body } = await askJane("Budget review", "About Q3");
    await card(page, "Budget review").waitFor({ timeout: 20_000 });
    // No reload: the page's own script brought it in.
    expect(await page.evaluate("window.stayed")).toBe(true);
    const text = await card(page, "Budget review").textContent();
    expect(text).toContain(fed.globex.address("ana"));
    expect(text).toContain("(organization verified)");
    expect(text).toContain("About Q3");
    expect(text).toMatch(/America\/New_York/);
    await page.screenshot({ path: path.join(SHOTS, "requests.png"), fullPage: true });

    await card(page, "Budget review").getByRole("button", { name: "Accept" }).click();
    await page.waitForURL(/\/inbox\?done=accepted$/);
    const confirmed = await janeEvents("booking.confirmed");
    expect(confirmed.at(-1)?.actor).toBe("person:jane");
    // The callback reached globex, signed by acme: ana's side is confirmed there.
    const localId = body.booking_id as string;
    await waitFor(
      "globex records the confirmation",
      () => anaEvents("booking.confirmed"),
      (events) => events.some((e) => e.resource === localId && e.actor === fed.acme.did),
    );
    const range = { start, end: start + 30 * 60_000 };
    const busy = { start: new Date(start).toISOString(), end: new Date(range.end).toISOString() };
    expect(await fed.acme.busy("jane", range)).toContainEqual(busy);
    expect(await fed.globex.busy("ana", range)).toContainEqual(busy);
  });

  it("declines with a message; the peer is told", async () => {
    const { body } = await askJane("Sales pitch");
    await page.goto(`${fed.acme.publicUrl}/inbox`);
    const c = card(page, "Sales pitch");
    await c.getByLabel("Message (optional)").fill("Not interested, thanks");
    await c.getByRole("button", { name: "Decline" }).click();
    await page.waitForURL(/\/inbox\?done=declined$/);
    const declined = await janeEvents("booking.declined");
    expect(declined.at(-1)?.data.message).toBe("Not interested, thanks");
    await waitFor(
      "globex records the decline",
      () => anaEvents("booking.declined"),
      (events) => events.some((e) => e.resource === body.booking_id),
    );
  });

  it("two tabs accepting the same request at once: exactly one wins", async () => {
    await askJane("Double click");
    const tabs = [page, await context.newPage()];
    // Without live updates in these tabs: the first accept's change would otherwise refresh
    // the other tab's card away before its click (this is about the node's decision).
    for (const tab of tabs) {
      await tab.route("**/inbox/events", (route) => route.abort());
      await tab.goto(`${fed.acme.publicUrl}/inbox`);
    }
    const answers = await Promise.all(
      tabs.map(async (tab) => {
        const answer = tab.waitForResponse(
          (r) => r.request().method() === "POST" && r.url().includes("/inbox/requests/"),
        );
        await card(tab, "Double click").getByRole("button", { name: "Accept" }).click();
        return (await answer).status();
      }),
    );
    expect(answers.sort()).toEqual([303, 409]);
    expect((await janeEvents("booking.confirmed")).length).toBe(2);
    await page.unroute("**/inbox/events");
    await tabs[1]!.close();
  });

  it("reorders two agents; the next race is won by the new rank 1", async () => {
    await page.goto(`${fed.acme.publicUrl}/inbox/agents`);
    await page.getByRole("button", { name: "Move up Helper" }).click();
    await page.waitForURL(/\/inbox\/agents\?done=moved$/);
    const ranks = await page.locator("ol.agents h3").allTextContents();
    expect(ranks.map((r) => r.replace(/\s+/g, " ").trim())).toEqual(["1. Helper", "2. Sales bot"]);
    await page.screenshot({ path: path.join(SHOTS, "agents.png"), fullPage: true });
    const start = nextSlot;
    nextSlot += HOUR;
    const slot = {
      start: new Date(start).toISOString(),
      end: new Date(start + 30 * 60_000).toISOString(),
    };
    const [a, b] = await Promise.all(
      [first, second].map((agent) => call(`${agent.url}/v1/bookings`, "POST", agent.key, slot)),
    );
    expect(b!.status, JSON.stringify(b!.body)).toBe(201);
    expect(a!.status).toBe(409);
    expect(a!.body.winning_agent_id).toBe(second.id);
  });

  it("honours the session on every process; refuses a POST without Origin and another person's request id", async () => {
    await fed.acme.putProfile("bob", { response_channel: { human_ack_required: true } });
    const bobRequest = await call(`${annaBot.url}/v1/meetings`, "POST", annaBot.key, {
      with: fed.acme.address("bob"),
      start: new Date(nextSlot).toISOString(),
      end: new Date(nextSlot + 30 * 60_000).toISOString(),
    });
    nextSlot += HOUR;
    expect(bobRequest.status).toBe(202);
    const bobId = (await fed.acme.audit("bob")).find(
      (e) => e.type === "booking.requested",
    )!.resource;
    const cookie = (await context.cookies()).find((c) => c.name === "calendario_session")!;
    const headers = { cookie: `${cookie.name}=${cookie.value}` };
    // The session lives in Redis: acme's other process honours it too.
    const elsewhere = await fetch(`${fed.acme.url(1)}/inbox`, { headers, redirect: "manual" });
    expect(elsewhere.status).toBe(200);
    const noOrigin = await fetch(`${fed.acme.url()}/inbox/requests/${bobId}/accept`, {
      method: "POST",
      headers,
    });
    expect(noOrigin.status).toBe(403);
    const foreign = await fetch(`${fed.acme.url()}/inbox/requests/${bobId}/accept`, {
      method: "POST",
      headers: { ...headers, origin: fed.acme.publicUrl },
    });
    expect(foreign.status).toBe(404);
    const requests = await fed.acme.admin("GET", "/admin/v1/users/bob/requests");
    expect((requests.body.requests as unknown[]).length).toBe(1);
  });

  it("shows bookings and activity (chain verified); writes their screenshots", async () => {
    await page.goto(`${fed.acme.publicUrl}/inbox/bookings`);
    await expect(page.getByRole("heading", { name: "Budget review" }).isVisible()).resolves.toBe(
      true,
    );
    await page.screenshot({ path: path.join(SHOTS, "bookings.png"), fullPage: true });
    await page.goto(`${fed.acme.publicUrl}/inbox/activity`);
    await expect(page.locator("#chain-status").textContent()).resolves.toContain(
      "Audit chain verified",
    );
    await expect(page.getByText("You accepted the request").first().isVisible()).resolves.toBe(
      true,
    );
    await page.screenshot({ path: path.join(SHOTS, "activity.png"), fullPage: true });
    for (const shot of ["signin", "requests", "bookings", "agents", "activity"])
      expect(existsSync(path.join(SHOTS, `${shot}.png`))).toBe(true);
  });
});
