/**
 * Activity: the person's audit log in plain words, newest first, with the whole chain
 * verified (every hash and link from the genesis) and its head shown.
 */
import { Router } from "express";
import { type AuditEvent, verifyChain } from "../../audit/index.js";
import { loadCalendar } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { describeEvent } from "./activity-words.js";
import { instant, type Names } from "./format.js";
import { html } from "./html.js";
import { renderPage } from "./render.js";
import { personOf } from "./session.js";

const SHOWN = 50;
const READ_CHUNK = 1000;

/** The whole chain, read in chunks (the store seals what is pending first). */
async function readChain(ctx: Context, username: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (;;) {
    const chunk = await ctx.store.readAudit(username, {
      afterSeq: events.at(-1)?.seq ?? 0,
      limit: READ_CHUNK,
    });
    events.push(...chunk);
    if (chunk.length < READ_CHUNK) return events;
  }
}

export function activityRouter(ctx: Context): Router {
  const router = Router();
  router.get("/inbox/activity", async (req, res) => {
    const person = personOf(req);
    const [view, agents, chain] = await Promise.all([
      loadCalendar(ctx.store, person.username),
      ctx.store.listAgents(person.username),
      readChain(ctx, person.username),
    ]);
    const zone = view.profile.timezone;
    const check = verifyChain(chain);
    const head = chain.at(-1);
    // Revoked agents keep their names in the log: the events that created them say it.
    const named = new Map<string, { name: string }>(agents.map((a) => [a.id, a]));
    for (const e of chain)
      if (e.type === "agent.created" && !named.has(e.resource) && typeof e.data.name === "string")
        named.set(e.resource, { name: e.data.name });
    const names: Names = {
      displayName: String(view.profile.display_name ?? person.username),
      agents: named,
    };
    const recent = chain.slice(-SHOWN).reverse();
    await renderPage(res, ctx, person, {
      title: "Activity",
      current: "/inbox/activity",
      live: true,
      body: html`<p class="${check.ok ? "notice" : "notice error"}" role="status" id="chain-status">${
        check.ok
          ? `Audit chain verified: ${chain.length} events, every hash and link checked.`
          : `Audit chain does NOT verify: ${check.reason} at event ${check.brokenAt}.`
      }</p>
<p>Head: ${head ? html`event ${head.seq}, hash <code id="chain-head">${head.hash}</code>` : "no events yet"}</p>
<ol class="activity" reversed aria-label="Recent activity">
${recent.map(
  (e) =>
    html`<li><time datetime="${new Date(e.at).toISOString()}">${instant(e.at, zone)}</time>: ${describeEvent(e, names, zone)}</li>`,
)}
</ol>`,
    });
  });
  return router;
}
