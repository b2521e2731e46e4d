import type { AlertType, SensorEvidence, Urgency } from '../domain/index.js';
import { SENSOR_SPECS } from '../domain/index.js';

/** What to do, per alert type, in plain words (paper Table 8's responses; SPEC 7). */
const ADVICE: Readonly<Record<AlertType, string>> = Object.freeze({
  overheating: 'Check the cooling loop and the load; cooling should be switched on.',
  abnormal_vibration: 'Inspect bearings, mountings and balance; maintenance should look at it. If it gets worse, stop the machine.',
  high_humidity: 'Switch on dehumidification and check the booth ventilation.',
  power_interruption: 'A sensor lost power: switch it to the secondary power source and check its supply.',
  high_emission: 'Adjust the process parameters to bring emissions down and check extraction and filters.',
  connection_failure: 'The machine stopped reporting: the technical team should check its network link and controller.',
  sensor_disconnected: 'A sensor reports nothing: IT should check its cable, connector and gateway.',
  low_cooling_pressure: 'Switch on the secondary pumps and check the coolant level and the main pump.',
  high_energy: 'Energy use is above normal: evaluate the load and adjust the parameters or reduce the load.',
  stuck_sensor: 'The sensor repeats one value: check or replace it; its readings are not trustworthy.',
  drift: 'The sensor drifts: recalibrate it.',
  spikes: 'The sensor reports spikes: check its wiring and shielding.',
  gap: 'Readings are missing: check the machine gateway and the network.',
  clock_skew: "The machine's clock is off: check its time synchronisation (NTP).",
  impossible_value: 'A reading is outside what the device can measure: check the sensor and its configuration.',
  alert_flood: 'Many alerts at once in this area: look for a common cause (power, network, cooling supply) before single machines.',
});

function fmt(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * A one-paragraph recommendation: what deviated, by how much, and what to do.
 * @example recommend('overheating', 'wld-003', 'high', [{ sensor: 'temperature', actual: 78, predicted: 66, ... }])
 * // 'Temperature on wld-003 reads 78.0 C, 12.0 C above the expected 66.0 C. Check the cooling loop ... (urgency high)'
 */
export function recommend(type: AlertType, machineId: string, urgency: Urgency, sensors: readonly SensorEvidence[]): string {
  const top = sensors[0];
  let what = '';
  if (top) {
    const unit = SENSOR_SPECS[top.sensor]?.unit ?? '';
    const name = top.sensor.replace('_', ' ');
    const Name = name.charAt(0).toUpperCase() + name.slice(1);
    if (top.actual === null) what = `${Name} on ${machineId} reports no value (expected about ${fmt(top.predicted)} ${unit}). `;
    else {
      const diff = top.actual - top.predicted;
      what = `${Name} on ${machineId} reads ${fmt(top.actual)} ${unit}, ${fmt(Math.abs(diff))} ${unit} ${diff >= 0 ? 'above' : 'below'} the expected ${fmt(top.predicted)} ${unit}. `;
    }
  } else if (type !== 'alert_flood') what = `${machineId}: ${type.replace(/_/g, ' ')}. `;
  return `${what}${ADVICE[type]} (urgency ${urgency})`;
}
