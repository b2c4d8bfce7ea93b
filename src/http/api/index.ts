export { peerBookingsRouter } from "./bookings.js";
export { peerCallbacksRouter } from "./callbacks.js";
export { publicApiRouter } from "./public.js";
