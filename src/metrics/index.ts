/** Prometheus metrics of the live loop (issue 5 item 6). */
export { PlantMetrics, LATENCY_BUCKETS_S, STAGES, type Stage, type ScrapeSources, type PlantMetricsOptions } from './plant-metrics.js';
export { metricsRoute } from './metrics-route.js';
