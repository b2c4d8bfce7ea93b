export {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  retryDelayMs,
  retrySchedule,
} from "./backoff.js";
export {
  type AuthorizeCallback,
  CALLBACK_EVENT_TYPES,
  type CallbackBody,
  callbackBody,
  EVENT_ID_HEADER,
} from "./callbacks.js";
export { type Audience, EVENT_CATALOGUE, type EventTypeInfo } from "./catalogue.js";
export { type DispatcherOptions, WebhookDispatcher } from "./dispatcher.js";
export { envelopeOf, type WebhookEnvelope } from "./envelope.js";
export { MemoryWebhookStore } from "./memory-webhook-store.js";
export { type EventsPage, MAX_WAIT_MS } from "./polling.js";
export { type WebhookRedisClient, webhookScripts } from "./redis/client.js";
export { RedisWebhookStore } from "./redis/redis-webhook-store.js";
export {
  deliveryHeaders,
  newSigningSecret,
  SIGNATURE_HEADER,
  standardWebhookSignature,
  stripeStyleSignature,
} from "./signature.js";
export { ROTATION_OVERLAP_MS, type Subscriber } from "./subscriptions.js";
export type * from "./types.js";
export {
  constructWebhookEvent,
  DEFAULT_TOLERANCE_SECONDS,
  parseSignatureHeader,
  type VerifyOptions,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "./verify.js";
export { Webhooks, type WebhooksDeps, type WebhooksOverrides } from "./webhooks.js";
