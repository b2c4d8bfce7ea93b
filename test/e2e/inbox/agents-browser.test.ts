/**
 * The inbox's agent sections in headless Chromium against real node processes (acme: two
 * processes on one Redis, presence lasting 2 s): an agent's presence appears live and
 * fades; the person asks an agent from the page; the agent (a client over HTTP with its
 * key, talking to acme's other process) sees the mention, sets presence and posts
 * suggestions, which appear live; Accept books the chosen slot and the agent is told;
 * Reject tells it too. The Requests page shows the channels the node cannot serve.
 * Screenshots of the new sections go to test-output/screenshots/.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Agent,
  call,
  type Federation,
  startFederation,
  waitFor,
} from "../federation/harness.js";
import { expectChromium, launchChromium } from "./chromium.js";

const SHOTS = path.resolve(__dirname, "../../../test-output/screenshots");
const HOUR = 3_600_000;
const PRESENCE_TTL_SECONDS = "2";

interface AgentEvent {
  type: string;
  data: { object: Record<string, unknown> };
}

describe("the inbox's agent sections in Chromium", { timeout: 90_000 }, () => {
  let fed: Federation;
  let browser: Browser;
  let page: Page;
  let scout: Agent;
  let previousTtl: string | undefined;
  const day = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 48 * HOUR;
  const slot = (hour: number) => ({
    start: new Date(day + hour * HOUR).toISOString(),
    end: new Date(day + hour * HOUR + 30 * 60_000).toISOString(),
  });

  beforeAll(async () => {
    expectChromium();
    previousTtl = process.env.PRESENCE_TTL_SECONDS;
    process.env.PRESENCE_TTL_SECONDS = PRESENCE_TTL_SECONDS;
    fed = await startFederation();
    await fed.acme.putProfile("jane", {
      display_name: "Jane Lee",
      timezone: "Europe/Paris",
      response_channel: {
        human_ack_required: true,
        notify: [
          { type: "sms", value: "+33600000000" },
          { type: "matrix_dm", value: "@jane:acme.test" },
        ],
      },
    });
    await fed.globex.putProfile("ana", { display_name: "Ana Diaz" });
    // The agent talks to acme's second process; the browser to the first.
    scout = { ...(await fed.acme.createAgent("jane", "Scout", 1)), url: fed.acme.url(1) };
    await fed.acme.createAgent("jane", "Helper", 2);
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    const link = await fed.acme.admin("POST", "/admin/v1/users/jane/login-links");
    expect(link.status).toBe(201);
    await page.goto(link.body.url as string);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${fed.acme.publicUrl}/inbox`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fed?.stop();
    if (previousTtl === undefined) delete process.env.PRESENCE_TTL_SECONDS;
    else process.env.PRESENCE_TTL_SECONDS = previousTtl;
  }, 60_000);

  const agentCall = (method: string, pathname: string, body?: unknown) =>
    call(`${scout.url}${pathname}`, method, scout.key, body);

  const scoutEvents = async (type: string) => {
    const res = await agentCall("GET", "/v1/events");
    expect(res.status).toBe(200);
    return (res.body.events as AgentEvent[]).filter((e) => e.type === type);
  };

  const agentCard = () => page.locator("ol.agents li", { hasText: "Scout" });

  /** Opens the Agents page and waits until its live stream is open. */
  const openAgents = async () => {
    await page.goto(`${fed.acme.publicUrl}/inbox/agents`);
    await page.waitForSelector("body[data-live-connected]");
    await page.evaluate("window.stayed = true");
  };

  it("shows an agent's presence live, and it fades after the TTL", async () => {
    await openAgents();
    expect(await agentCard().locator("[data-presence]").count()).toBe(0);
    const set = await agentCall("POST", "/v1/presence", {
      status: "thinking",
      note: "Comparing Tuesday and Wednesday",
    });
    expect(set.status).toBe(200);
    const shown = agentCard().locator('[data-presence="thinking"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).toContain("Comparing Tuesday and Wednesday");
    await page.screenshot({ path: path.join(SHOTS, "agents-presence.png"), fullPage: true });
    // PRESENCE_TTL_SECONDS=2 and no refresh: it fades without a reload.
    await shown.waitFor({ state: "detached", timeout: 20_000 });
    expect(await page.evaluate("window.stayed")).toBe(true);
  });

  it("asks an agent from the page; the agent sees the mention, works, and its suggestions appear live", async () => {
    await openAgents();
    await page.getByLabel("Agent", { exact: true }).selectOption({ label: "Scout" });
    await page
      .getByLabel("What should it do?")
      .fill("Find 30 minutes with ana@globex.test next week");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\/inbox\/agents\?done=asked$/);
    await page.waitForSelector("body[data-live-connected]");
    await page.evaluate("window.stayed = true");

    const sent = await agentCall("GET", "/v1/mentions?status=sent");
    expect(sent.status).toBe(200);
    const mentions = sent.body.mentions as { mention_id: string; text: string }[];
    expect(mentions.map((m) => m.text)).toEqual(["Find 30 minutes with ana@globex.test next week"]);
    const mentionId = mentions[0]!.mention_id;
    expect((await scoutEvents("mention.created")).length).toBe(1);
    const asked = page.locator(`[data-mention-id="${mentionId}"]`);
    expect(await asked.getAttribute("data-status")).toBe("sent");

    expect((await agentCall("POST", "/v1/presence", { status: "acting" })).status).toBe(200);
    await agentCard().locator('[data-presence="acting"]').waitFor({ timeout: 15_000 });
    const first = await agentCall("POST", "/v1/suggestions", {
      mention_id: mentionId,
      slots: [slot(9), slot(10)],
      note: "Intro with Ana",
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await agentCall("POST", "/v1/suggestions", {
      slots: [slot(14)],
      note: "Follow-up",
    });
    expect(second.status).toBe(201);
    expect(
      (await agentCall("PATCH", "/v1/mentions", { mention_ids: [mentionId], status: "done" }))
        .status,
    ).toBe(200);

    const card = page.locator(`[data-suggestion-id="${first.body.suggestion_id}"]`);
    await card.waitFor({ timeout: 15_000 });
    await page
      .locator(`[data-suggestion-id="${second.body.suggestion_id}"]`)
      .waitFor({ timeout: 15_000 });
    await waitFor(
      "the mention shows done",
      () => asked.getAttribute("data-status"),
      (status) => status === "done",
      15_000,
    );
    expect(await page.evaluate("window.stayed")).toBe(true);
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("Intro with Ana");
    // In answer to what the person asked.
    expect(text).toContain("Find 30 minutes with ana@globex.test next week");
    expect(text).toContain("UTC");
    await page.screenshot({ path: path.join(SHOTS, "agents-suggestions.png"), fullPage: true });

    // Accept the second slot.
    await card.locator('input[type=radio][value="1"]').check();
    await card.getByRole("button", { name: "Accept" }).click();
    await page.waitForURL(/\/inbox\/agents\?done=suggestion-accepted$/);
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("booked");
    const accepted = await waitFor(
      "the agent hears suggestion.accepted",
      () => scoutEvents("suggestion.accepted"),
      (events) => events.length === 1,
    );
    expect(accepted[0]!.data.object).toMatchObject({
      suggestion_id: first.body.suggestion_id,
      accepted_index: 1,
    });
    const range = { start: Date.parse(slot(10).start), end: Date.parse(slot(10).end) };
    expect(await fed.acme.busy("jane", range)).toContainEqual(slot(10));
    const booking = await agentCall("GET", `/v1/bookings/${accepted[0]!.data.object.booking_id}`);
    expect(booking.status, JSON.stringify(booking.body)).toBe(200);
    expect(booking.body).toMatchObject({ agent_id: scout.id, status: "committed", ...slot(10) });

    // Reject the other one, with a message.
    const other = page.locator(`[data-suggestion-id="${second.body.suggestion_id}"]`);
    await other.getByLabel("Message (optional)").fill("Not that day");
    await other.getByRole("button", { name: "Reject" }).click();
    await page.waitForURL(/\/inbox\/agents\?done=suggestion-rejected$/);
    const rejected = await waitFor(
      "the agent hears suggestion.rejected",
      () => scoutEvents("suggestion.rejected"),
      (events) => events.length === 1,
    );
    expect(rejected[0]!.data.object).toMatchObject({
      suggestion_id: second.body.suggestion_id,
      message: "Not that day",
    });
    await page.screenshot({ path: path.join(SHOTS, "agents-decided.png"), fullPage: true });
  });

  it("shows on a request which channels the node could not serve", async () => {
    const ana = await fed.globex.createAgent("ana", "Ana's assistant", 1);
    const asked = await call(`${ana.url}/v1/meetings`, "POST", ana.key, {
      with: fed.acme.address("jane"),
      ...slot(16),
      subject: "Channels check",
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    await page.goto(`${fed.acme.publicUrl}/inbox`);
    const card = page.locator("article", { hasText: "Channels check" });
    await card.waitFor({ timeout: 15_000 });
    const sms = card.locator('[data-channel="sms"][data-status="unsupported"]');
    await sms.waitFor({ timeout: 15_000 });
    await card.locator('[data-channel="matrix_dm"][data-status="unsupported"]').waitFor();
    expect(await sms.textContent()).toContain("unsupported");
    await page.screenshot({ path: path.join(SHOTS, "requests-notify.png"), fullPage: true });
    for (const shot of [
      "agents-presence",
      "agents-suggestions",
      "agents-decided",
      "requests-notify",
    ])
      expect(existsSync(path.join(SHOTS, `${shot}.png`))).toBe(true);
  });
});
