/** The person in the loop: their agents' presence, mentions, suggestions and notifications. */
export type { PeopleDeps } from "./deps.js";
export { createMailer, type Mail, type Mailer } from "./mailer.js";
export {
  createMention,
  listMentions,
  MAX_MENTION_TEXT,
  type Mention,
  type MentionStatus,
  markMentionsDone,
} from "./mentions.js";
export {
  type ChannelNotice,
  type ChannelStatus,
  listRequestNotices,
  type MintLoginLink,
  type NotifyDeps,
  notifyPendingRequest,
  type RequestNotice,
  requestNotice,
  requestPath,
} from "./notify.js";
export {
  listPresence,
  MAX_PRESENCE_NOTE,
  markActing,
  PRESENCE_STATUSES,
  type PresenceView,
  setPresence,
  watchPresence,
} from "./presence.js";
export { PresenceSignal } from "./presence-signal.js";
export {
  MemoryPresenceStore,
  type PresenceEntry,
  type PresenceStatus,
  type PresenceStore,
  RedisPresenceStore,
} from "./presence-store.js";
export {
  type AcceptSuggestionResult,
  acceptSuggestion,
  createSuggestion,
  listSuggestions,
  rejectSuggestion,
  type Suggestion,
  type SuggestionInput,
  type SuggestionStatus,
} from "./suggestions.js";
