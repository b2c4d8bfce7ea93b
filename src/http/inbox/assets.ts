/**
 * The inbox's stylesheet and script, served from the node (`/inbox/assets/…`) so the
 * Content-Security-Policy can forbid every inline script and style.
 */

export const INBOX_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { background: #1d2330; color: #fff; padding: .75rem 1.25rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
header a { color: #fff; }
header nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
header nav a[aria-current="page"] { font-weight: 700; text-decoration: none; border-bottom: 2px solid #fff; }
header form { margin-left: auto; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1.25rem; }
.card { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.card h3 { margin-top: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { color: #5a6270; }
dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; align-items: end; }
button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid #1d2330; background: #fff; cursor: pointer; }
button.primary { background: #1d5fd1; color: #fff; border-color: #1d5fd1; }
label { display: block; font-size: .9rem; color: #3b4250; }
input[type=text] { font: inherit; padding: .35rem .5rem; min-width: 16rem; }
.verified { color: #147a3d; }
.unverified { color: #a4361c; }
.notice { padding: .75rem 1rem; border-radius: 6px; background: #e8f0fe; }
.error { background: #fde8e4; }
ol.activity { padding-left: 1.25rem; }
code { overflow-wrap: anywhere; }
section { margin-top: 2rem; }
fieldset { border: 1px solid #d8dce3; border-radius: 6px; }
label.slot { display: block; margin: .25rem 0; color: inherit; }
select { font: inherit; padding: .3rem; }
form.ask { display: grid; gap: .5rem; max-width: 40rem; }
ul.mentions, ul.decided { list-style: none; padding: 0; }
.presence { color: #1d5fd1; }
.presence-status { font-weight: 600; }
.status-sent, .status-open { color: #a45a00; }
.status-done, .status-accepted, .status-sent_ok { color: #147a3d; }
.status-failed, .status-unsupported, .status-rejected { color: #a4361c; }
ul.channels { margin: 0; padding-left: 1rem; }
`;

/**
 * Live updates: the page listens to `/inbox/events` (server-sent events; the browser's
 * EventSource resumes with Last-Event-ID) and, on a change, fetches the page again and
 * swaps in its `[data-live]` section; a page marked `data-live-presence` (Agents) also on
 * the agents' presence changes. Without JavaScript the page works by reloading.
 */
export const INBOX_JS = `
(function () {
  var live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname, { credentials: "same-origin", headers: { "accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var next = doc.querySelector("[data-live]");
        var active = document.activeElement;
        var typing = active && active.tagName === "INPUT" && live.contains(active) && active.value;
        if (next && !typing) live.replaceChildren.apply(live, Array.prototype.slice.call(next.childNodes));
        else if (typing) again = true;
      })
      .catch(function () {})
      .finally(function () { busy = false; if (again) { again = false; setTimeout(refresh, 500); } });
  }
  var source = new EventSource("/inbox/events");
  source.addEventListener("change", refresh);
  if (live.hasAttribute("data-live-presence")) source.addEventListener("presence", refresh);
  source.addEventListener("open", function () { document.body.setAttribute("data-live-connected", "1"); });
})();
`;
