export { instrumentStore } from "./instrument-store.js";
export { createOperations, type Operations, type Phase } from "./lifecycle.js";
export { createMetrics, type Metrics, seriesObserver } from "./metrics.js";
export { StoreHealth, storeAnswers } from "./store-health.js";
