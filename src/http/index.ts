export { createApp } from "./app.js";
export { answerClientErrorsWithJson } from "./client-error.js";
export { profileFastPath } from "./wellknown/index.js";
