import { parseRules, type RulesFile, type RulesFileInput } from './rules-schema.js';

const ALL_CHANNELS = ['console', 'webhook', 'email'] as const;

/**
 * The default rule set: paper Table 8 ("Log of alerts and system actions"), one rule per row,
 * plus data-quality alerts to IT (SPEC 4). Rules are evaluated in order; `final` stops the search,
 * so the severe-vibration rule comes before the plain one. Channels without a configured notifier
 * are skipped (and the skip is recorded), so the defaults work with console only.
 */
export const DEFAULT_RULES_INPUT: RulesFileInput = {
  version: 1,
  rules: [
    {
      id: 'overheating-cooling',
      description: 'Table 8: overheating in a sensor -> automatic cooling activated',
      match: { types: ['overheating'] },
      actions: [{ kind: 'automatic', command: 'cooling', on: true }],
    },
    {
      id: 'abnormal-vibration-severe',
      description: 'Table 8: abnormal vibration (severe) -> automatic machine stop and alert to the team',
      match: { types: ['abnormal_vibration'], minUrgency: 'critical' },
      actions: [
        { kind: 'automatic', command: 'stop' },
        { kind: 'notify', team: 'maintenance', channels: [...ALL_CHANNELS] },
      ],
      final: true,
    },
    {
      id: 'abnormal-vibration',
      description: 'Table 8: abnormal vibration -> alert sent to the maintenance team',
      match: { types: ['abnormal_vibration'] },
      actions: [{ kind: 'notify', team: 'maintenance', channels: [...ALL_CHANNELS] }],
    },
    {
      id: 'high-humidity-dehumidify',
      description: 'Table 8: high humidity -> activation of dehumidification systems',
      match: { types: ['high_humidity'] },
      actions: [{ kind: 'automatic', command: 'dehumidify', on: true }],
    },
    {
      id: 'power-interruption-secondary',
      description: 'Table 8: power interruption on a sensor -> automatic switch to a secondary power source',
      match: { types: ['power_interruption'] },
      actions: [{ kind: 'automatic', command: 'secondary_power', on: true }],
    },
    {
      id: 'high-emission-adjust',
      description: 'Table 8: high CO2 emission -> modification of parameters to reduce emissions',
      match: { types: ['high_emission'] },
      actions: [{ kind: 'automatic', command: 'adjust_parameters', loadFactor: 0.8 }],
    },
    {
      id: 'connection-failure-technical',
      description: 'Table 8: connection failure with a machine -> notification to the technical team',
      match: { types: ['connection_failure'] },
      actions: [{ kind: 'notify', team: 'technical', channels: [...ALL_CHANNELS] }],
    },
    {
      id: 'sensor-disconnected-it',
      description: 'Table 8: sensor disconnected -> alert sent to the IT team',
      match: { types: ['sensor_disconnected'] },
      actions: [{ kind: 'notify', team: 'it', channels: [...ALL_CHANNELS] }],
    },
    {
      id: 'low-cooling-pressure-pumps',
      description: 'Table 8: low pressure in the cooling system -> activation of secondary pumps',
      match: { types: ['low_cooling_pressure'] },
      actions: [{ kind: 'automatic', command: 'secondary_pumps', on: true }],
    },
    {
      id: 'high-energy-adjust',
      description: 'Table 8: high energy consumption -> evaluation and parameter adjustment (an operator approves the reduced load)',
      match: { types: ['high_energy'] },
      actions: [{ kind: 'recommended', command: 'reduce_load', loadFactor: 0.8 }],
    },
    {
      id: 'data-quality-it',
      description: 'SPEC 4: data-quality events (stuck, drift, spikes, gaps, clock skew, impossible values) go to IT, not to the process',
      match: { types: ['stuck_sensor', 'drift', 'spikes', 'gap', 'clock_skew', 'impossible_value'] },
      actions: [{ kind: 'notify', team: 'it', channels: ['console'] }],
      cooldownMs: 30 * 60_000,
    },
  ],
};

/** The validated default rules (Table 8). */
export function defaultRules(): RulesFile {
  return parseRules(structuredClone(DEFAULT_RULES_INPUT), 'default rules');
}
