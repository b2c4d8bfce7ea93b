/** Sends an inbox page to the signed-in person, with the headers every inbox page carries. */
import type { Response } from "express";
import type { PersonCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { type PageOptions, page } from "./layout.js";

/** The person's name as their profile gives it (their username when it gives none). */
export async function displayNameOf(ctx: Context, username: string): Promise<string> {
  const user = await ctx.store.getUser(username);
  const name = user
    ? (JSON.parse(user.published) as { display_name?: unknown }).display_name
    : undefined;
  return typeof name === "string" && name !== "" ? name : username;
}

export async function renderPage(
  res: Response,
  ctx: Context,
  person: PersonCaller,
  opts: Omit<PageOptions, "person">,
  status = 200,
): Promise<void> {
  const displayName = await displayNameOf(ctx, person.username);
  res
    .status(status)
    .type("html")
    .send(page({ ...opts, person: { username: person.username, displayName } }));
}
