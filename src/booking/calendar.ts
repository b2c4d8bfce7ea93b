/** A user's calendar as the use cases see it: the signed profile (parsed once per change) and rules. */
import type { Store } from "../arbiter/index.js";
import type { AvailabilityProfile, UserRules } from "../availability/index.js";
import { NotFoundError } from "../errors.js";

export interface CalendarView {
  profile: AvailabilityProfile & Record<string, unknown>;
  rules: UserRules | undefined;
}

/** Parsed profiles by ETag: a profile is parsed once per change, not once per request. */
const parsedProfiles = new Map<string, CalendarView["profile"]>();
const MAX_PARSED_PROFILES = 1000;

function parsedProfile(etag: string, published: string): CalendarView["profile"] {
  let profile = parsedProfiles.get(etag);
  if (!profile) {
    profile = JSON.parse(published) as CalendarView["profile"];
    if (parsedProfiles.size >= MAX_PARSED_PROFILES) parsedProfiles.clear();
    parsedProfiles.set(etag, profile);
  }
  return profile;
}

/** The user's signed profile (shared, read-only) and rules; `unknown_user` when there is none. */
export async function loadCalendar(store: Store, username: string): Promise<CalendarView> {
  const [user, rules] = await Promise.all([store.getUser(username), store.getRules(username)]);
  if (!user) throw new NotFoundError(`No user "${username}"`, "unknown_user");
  return {
    profile: parsedProfile(user.etag, user.published),
    rules: (rules as UserRules | null) ?? undefined,
  };
}
