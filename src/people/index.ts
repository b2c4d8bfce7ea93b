/**
 * The person in the loop: sign-in (login links and sessions, in a store of their own), their
 * agents' presence, mentions, suggestions and notifications.
 */
export type { PeopleDeps, SignInDeps } from "./deps.js";
export {
  consumeLoginLink,
  LOGIN_LINK_TTL_MS,
  type LoginLink,
  type LoginLinkUse,
  mintLoginLink,
  SIGNIN_PATH,
} from "./login-links.js";
export { mailLoginLink, notifyEmails, usernameFromInput } from "./login-mail.js";
export { createMailer, type Mail, type Mailer } from "./mailer.js";
export { MemoryPeopleStore } from "./memory-people-store.js";
export {
  createMention,
  listMentions,
  listPersonMentions,
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
export type { LoginLinkRecord, PeopleStore, SessionRecord } from "./people-store.js";
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
export { type PeopleRedis, RedisPeopleStore } from "./redis-people-store.js";
export { endSession, SESSION_TTL_MS, type Session, sessionUser, startSession } from "./sessions.js";
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
