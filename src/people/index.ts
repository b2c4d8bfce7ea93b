/** The person's sign-in: login links and sessions, in a store of their own. */
export type { PeopleDeps } from "./deps.js";
export {
  consumeLoginLink,
  LOGIN_LINK_TTL_MS,
  type LoginLink,
  type LoginLinkUse,
  mintLoginLink,
  SIGNIN_PATH,
} from "./login-links.js";
export {
  type LoginMailer,
  mailLoginLink,
  notifyEmails,
  smtpLoginMailer,
  usernameFromInput,
} from "./login-mail.js";
export { MemoryPeopleStore } from "./memory-people-store.js";
export type { LoginLinkRecord, PeopleStore, SessionRecord } from "./people-store.js";
export { type PeopleRedis, RedisPeopleStore } from "./redis-people-store.js";
export { endSession, SESSION_TTL_MS, type Session, sessionUser, startSession } from "./sessions.js";
