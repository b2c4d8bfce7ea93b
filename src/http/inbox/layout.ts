/** The one page frame of the inbox: head, navigation, sign-out, the page's own content. */
import { type Html, html } from "./html.js";

export interface NavItem {
  href: string;
  label: string;
}

/** The inbox's pages, in menu order; sections added later plug in here. */
export const NAV: NavItem[] = [
  { href: "/inbox", label: "Requests" },
  { href: "/inbox/bookings", label: "Bookings" },
  { href: "/inbox/agents", label: "Agents" },
  { href: "/inbox/activity", label: "Activity" },
];

export interface PageOptions {
  title: string;
  /** The signed-in person: shows the navigation and the sign-out button. */
  person?: { username: string; displayName: string };
  /** The nav entry of this page. */
  current?: string;
  /** Added to `<main>`: `data-live` makes the script refresh it on changes. */
  live?: boolean;
  /** Also refresh on the agents' presence changes (`data-live-presence`). */
  livePresence?: boolean;
  body: Html;
}

export function page(opts: PageOptions): string {
  const nav = opts.person
    ? html`<nav aria-label="Inbox">
        <ul>
          ${NAV.map(
            (item) =>
              html`<li><a href="${item.href}"${item.href === opts.current ? html` aria-current="page"` : ""}>${item.label}</a></li>`,
          )}
        </ul>
      </nav>
      <span>${opts.person.displayName}</span>
      <form method="post" action="/inbox/signout"><button type="submit">Sign out</button></form>`
    : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${opts.title} · Calendario</title>
<link rel="stylesheet" href="/inbox/assets/inbox.css">
${opts.person ? html`<script src="/inbox/assets/inbox.js" defer></script>` : ""}
</head>
<body>
<header><strong>Calendario</strong>${nav}</header>
<main${opts.live ? html` data-live` : ""}${opts.livePresence ? html` data-live-presence` : ""}>
<h1>${opts.title}</h1>
${opts.body}
</main>
</body>
</html>
`.text;
}

/** A page with only a message (sign-in outcomes, errors). */
export function messagePage(title: string, message: Html | string, error = false): string {
  return page({
    title,
    body: html`<p class="${error ? "notice error" : "notice"}" role="${error ? "alert" : "status"}">${message}</p>`,
  });
}
