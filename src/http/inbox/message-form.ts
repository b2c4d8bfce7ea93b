/**
 * The inbox's "say no, with an optional message" form (declining a request, rejecting a
 * suggestion) and the reading of its message: one form, one bound.
 */
import { type Html, html } from "./html.js";

const MAX_MESSAGE = 2000;

export interface MessageFormSpec {
  /** Where the form posts. */
  action: string;
  /** The message field's id, unique on the page. */
  fieldId: string;
  /** The button's text and its accessible name. */
  button: string;
  buttonName: string;
}

export function messageForm(spec: MessageFormSpec): Html {
  return html`<form method="post" action="${spec.action}">
      <label for="${spec.fieldId}">Message (optional)</label>
      <input type="text" id="${spec.fieldId}" name="message" maxlength="${MAX_MESSAGE}">
      <button type="submit" aria-label="${spec.buttonName}">${spec.button}</button>
    </form>`;
}

/** The form's message, trimmed and bounded; undefined when none was written. */
export function messageOf(body: unknown): string | undefined {
  const raw = (body as { message?: unknown } | undefined)?.message;
  return typeof raw === "string" && raw.trim() !== ""
    ? raw.trim().slice(0, MAX_MESSAGE)
    : undefined;
}
