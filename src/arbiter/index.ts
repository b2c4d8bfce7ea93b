export {
  type ArbiterSettings,
  type CommitRequest,
  commitBooking,
  loadCalendar,
  placeHold,
} from "./agent-booking.js";
export { availableSlots, freeBusy } from "./calendar-view.js";
export { hashAgentKey, ID_RE, type IdPrefix, newAgentKey, newId } from "./ids.js";
export { MemoryStore } from "./memory/memory-store.js";
export { RedisStore } from "./redis/index.js";
export { calendarKeys, userKey } from "./redis/keys.js";
export type * from "./store.js";
export type * from "./types.js";
export { MAX_SPAN_MS } from "./types.js";
