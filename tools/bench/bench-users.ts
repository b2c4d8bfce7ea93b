/** Users and agents of the benchmarks' nodes, made through the admin API. */
import { OPEN_ALL_WEEK } from "../../test/helpers/profiles.js";

export const ADMIN_TOKEN = "bench-admin-token-0123456789";

/** A JSON request with a bearer token; the answer's status and parsed body. */
export async function api(url: string, method: string, token: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** A user open all day, every day, no notice, with agents of the given priorities. */
export async function createUser(nodeUrl: string, username: string, priorities: number[]) {
  const profile = {
    version: "0.1",
    username,
    display_name: username,
    timezone: "UTC",
    visibility: "public",
    allow_anonymous_booking: false,
    scheduling: OPEN_ALL_WEEK,
    min_notice_hours: 0,
    response_channel: { human_ack_required: false },
  };
  const put = await api(`${nodeUrl}/admin/v1/users/${username}`, "PUT", ADMIN_TOKEN, profile);
  if (put.status !== 201) throw new Error(`PUT user ${username}: ${put.status}`);
  const keys: string[] = [];
  for (const priority of priorities) {
    const res = await api(`${nodeUrl}/admin/v1/users/${username}/agents`, "POST", ADMIN_TOKEN, {
      name: `${username}-${priority}`,
      priority,
    });
    if (res.status !== 201) throw new Error(`POST agent: ${res.status}`);
    keys.push(res.body.api_key as string);
  }
  return keys;
}
