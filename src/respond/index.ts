/**
 * Alerts and automated response (SPEC 7, issue 5 items 2-4). The composition API is
 * {@link createResponder}; the ports let storage adapters replace the in-memory repositories.
 */
export { createResponder, Responder, DEFAULT_RESPONDER_OPTIONS, type ResponderDeps, type ResponderOptions, type ResponderEvents, type EscalationLevel } from './responder.js';
export { AlertManager, ALERT_TRANSITIONS, canTransition, DEFAULT_ALERT_MANAGER_OPTIONS, type AlertManagerOptions, type AnomalyOutcome, type FloodOptions, type MaintenanceWindow } from './alert-manager.js';
export { computeUrgency, DEFAULT_SENSOR_WEIGHT, type UrgencyInput } from './urgency.js';
export { recommend } from './recommendation.js';
export { RuleEngine, type RuleEngineOptions, type RuleEngineDeps } from './rule-engine.js';
export { parseRules, loadRulesFile, rulesFileSchema, ruleSchema, RULE_ALERT_TYPES, type Rule, type RuleAction, type RuleCondition, type RulesFile, type RulesFileInput, type RuleIssue } from './rules/rules-schema.js';
export { defaultRules, DEFAULT_RULES_INPUT } from './rules/default-rules.js';
export { ruleMatches, matchingRules } from './rules/match.js';
export type { RuleNode, RuleContext, RuleMessage } from './nodes/rule-node.js';
export { StopRegistry, DEFAULT_MAX_CONCURRENT_STOPS } from './nodes/interlock-node.js';
export { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './nodes/rate-limit-node.js';
export {
  MqttCommandDispatcher,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_BACKOFF_MS,
  type CommandDispatcher,
  type DispatchResult,
  type MqttCommandDispatcherOptions,
} from './dispatch/command-dispatcher.js';
export type { Notifier, Notification } from './notify/notifier.js';
export { WebhookNotifier, DEFAULT_WEBHOOK_TIMEOUT_MS, type WebhookNotifierOptions, type WebhookPayload } from './notify/webhook-notifier.js';
export { SmtpNotifier, DEFAULT_SMTP_TIMEOUT_MS, type SmtpNotifierOptions } from './notify/smtp-notifier.js';
export { ConsoleNotifier } from './notify/console-notifier.js';
export { SYSTEM_CLOCK, type Clock, type AlertRepository, type ActionRepository, type AuditLog, type RespondRepositories, type AlertQuery, type ActionQuery, type AuditQuery } from './ports.js';
export { WriteBehindRepositories } from './write-behind.js';
export { MemoryAlertRepository, MemoryActionRepository, MemoryAuditLog, createMemoryRepositories } from './memory-repositories.js';
