/** A valid, unsigned profile as the admin API takes it. */
export function sampleProfileInput(username = "jane", extra: Record<string, unknown> = {}) {
  return {
    version: "0.1",
    username,
    display_name: "Jane Doe",
    timezone: "America/New_York",
    visibility: "public",
    allow_anonymous_booking: false,
    scheduling: [{ type: "weekly", days: ["monday", "wednesday"], hours: ["09:00-12:00"] }],
    response_channel: { human_ack_required: false },
    ...extra,
  };
}
