import { describe, expect, it } from "vitest";
import { escapeHtml, html } from "../../../../src/http/inbox/html.js";

describe("html template", () => {
  it("escapes every interpolated string, in text and in attributes", () => {
    const hostile = `"><script>alert('x')</script>\``;
    expect(html`<p title="${hostile}">${hostile}</p>`.text).toBe(
      `<p title="${escapeHtml(hostile)}">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;</p>`,
    );
  });

  it("keeps Html made by the template, joins arrays and drops null, undefined and false", () => {
    const items = ["<a>", "b"].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe(
      "<ul><li>&lt;a&gt;</li><li>b</li></ul>0",
    );
  });
});
