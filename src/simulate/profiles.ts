import type { MachineType } from '../domain/index.js';

/**
 * Operating profiles of the paper's three machine types (paper 3.2, SPEC 1). The figures are
 * plausible plant values, chosen to sit well inside the device ranges of SENSOR_SPECS so that
 * faults have room to show: e.g. an assembly spindle motor runs ~45 C, a welding cell draws
 * ~16 A during an arc (ACS712-30A), a paint booth is held at 23 C and 60 %RH for water-based paint.
 * Pure data: no I/O.
 */

/** Hours [from, to) of one day during which the machine is scheduled to run; plant time is UTC. */
export type ShiftHours = readonly (readonly [number, number])[];

/** Index 0 = Sunday ... 6 = Saturday, as Date.getUTCDay(). */
export type WeeklyCalendar = readonly [ShiftHours, ShiftHours, ShiftHours, ShiftHours, ShiftHours, ShiftHours, ShiftHours];

export interface MachineProfile {
  type: MachineType;
  /** When the machine is scheduled to run (shifts; weekends lighter). */
  calendar: WeeklyCalendar;
  /** Mean length of a work cycle (busy: spindle turning, arc on, spraying). */
  busyMeanMs: number;
  /** Mean pause between cycles (part handling, loading). */
  idleMeanMs: number;
  /** After a start the machine idles this long before the first cycle (warm-up). */
  warmUpMs: number;
  /** Speed while busy; idle speed as a fraction of it; lag of the drive. */
  speedBusyRpm: number;
  speedIdleFraction: number;
  speedTauMs: number;
  /** Vibration RMS: floor when stopped, base when turning, plus coef * (speed / busy speed)^2, plus during a cycle. */
  vibFloor: number;
  vibBase: number;
  vibSpeedCoef: number;
  vibBusyAdd: number;
  /** Current draw: powered off (standby), powered and idle, and per unit of load during a cycle. */
  currentStandbyA: number;
  currentIdleA: number;
  currentBusyA: number;
  /** Mean load during a cycle (0..1) and its slow fluctuation. */
  loadMean: number;
  loadSigma: number;
  /** Heat input per ampere drawn (heat units; equilibrium rise = heat / conductance). */
  heatPerAmp: number;
  /** Thermal capacity (heat units * s per C) and conductances: natural, coolant loop at nominal pressure. */
  thermalCapacity: number;
  gNatural: number;
  gCoolant: number;
  /** Booth air held at this temperature during shifts by a heater (paint booths); null: no heater. */
  heaterSetpointC: number | null;
  /** Amperes drawn per heat unit of heater output. */
  heaterAmpPerHeat: number;
  /** Coolant loop: pressure with the pump running, and static pressure with it off. */
  coolantNominalBar: number;
  coolantStaticBar: number;
  /** Humidity held during shifts (paint booths, water-based paint); null: the hall's air. */
  humiditySetpointPct: number | null;
  /** Humidity added while busy (spraying). */
  humidityBusyAdd: number;
  /** Gas (CO2-equivalent ppm) emitted by a cycle at full load, before ventilation. */
  gasBusyPpm: number;
  /** Ventilation by the machine's own fan (paint booth exhaust): scales emissions down with speed. */
  fanVentilation: boolean;
}

const DAY_SHIFTS_2: ShiftHours = [[6, 22]];
const DAY_SHIFTS_3: ShiftHours = [[0, 24]];
const SATURDAY_1: ShiftHours = [[6, 14]];
const NONE: ShiftHours = [];

export const MACHINE_PROFILES: Readonly<Record<MachineType, MachineProfile>> = Object.freeze({
  // Assembly stations: two shifts on weekdays, one on Saturday; spindles and presses.
  assembly: {
    type: 'assembly',
    calendar: [NONE, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, SATURDAY_1],
    busyMeanMs: 90_000,
    idleMeanMs: 40_000,
    warmUpMs: 10 * 60_000,
    speedBusyRpm: 1450,
    speedIdleFraction: 0.35,
    speedTauMs: 6_000,
    vibFloor: 0.05,
    vibBase: 0.4,
    vibSpeedCoef: 2.0,
    vibBusyAdd: 0.3,
    currentStandbyA: 0.3,
    currentIdleA: 3.0,
    currentBusyA: 7.0,
    loadMean: 0.8,
    loadSigma: 0.08,
    heatPerAmp: 7,
    thermalCapacity: 3600,
    gNatural: 1,
    gCoolant: 2,
    heaterSetpointC: null,
    heaterAmpPerHeat: 0,
    coolantNominalBar: 2.5,
    coolantStaticBar: 0.3,
    humiditySetpointPct: null,
    humidityBusyAdd: 0,
    gasBusyPpm: 15,
    fanVentilation: false,
  },
  // Welding cells: three shifts on weekdays, two on Saturday; water-cooled torches, fume extraction.
  welding: {
    type: 'welding',
    calendar: [NONE, DAY_SHIFTS_3, DAY_SHIFTS_3, DAY_SHIFTS_3, DAY_SHIFTS_3, DAY_SHIFTS_3, DAY_SHIFTS_2],
    busyMeanMs: 25_000,
    idleMeanMs: 20_000,
    warmUpMs: 5 * 60_000,
    speedBusyRpm: 2800,
    speedIdleFraction: 0.6,
    speedTauMs: 4_000,
    vibFloor: 0.04,
    vibBase: 0.3,
    vibSpeedCoef: 1.0,
    vibBusyAdd: 0.35,
    currentStandbyA: 0.4,
    currentIdleA: 2.0,
    currentBusyA: 18.0,
    loadMean: 0.8,
    loadSigma: 0.06,
    heatPerAmp: 8.5,
    thermalCapacity: 1700,
    gNatural: 1,
    gCoolant: 2.5,
    heaterSetpointC: null,
    heaterAmpPerHeat: 0,
    coolantNominalBar: 3.5,
    coolantStaticBar: 0.4,
    humiditySetpointPct: null,
    humidityBusyAdd: 0,
    gasBusyPpm: 220,
    fanVentilation: false,
  },
  // Paint booths: two shifts on weekdays only; exhaust fan, heated and humidified booth air.
  paint_booth: {
    type: 'paint_booth',
    calendar: [NONE, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, DAY_SHIFTS_2, NONE],
    busyMeanMs: 4 * 60_000,
    idleMeanMs: 3 * 60_000,
    warmUpMs: 15 * 60_000,
    speedBusyRpm: 1200,
    speedIdleFraction: 0.8,
    speedTauMs: 10_000,
    vibFloor: 0.03,
    vibBase: 0.2,
    vibSpeedCoef: 1.5,
    vibBusyAdd: 0.05,
    currentStandbyA: 0.3,
    currentIdleA: 5.0,
    currentBusyA: 2.0,
    loadMean: 0.8,
    loadSigma: 0.05,
    heatPerAmp: 0.5,
    thermalCapacity: 2700,
    gNatural: 2,
    gCoolant: 1,
    heaterSetpointC: 23,
    heaterAmpPerHeat: 0.25,
    coolantNominalBar: 2.0,
    coolantStaticBar: 0.3,
    humiditySetpointPct: 60,
    humidityBusyAdd: 4,
    gasBusyPpm: 260,
    fanVentilation: true,
  },
});

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** True when the calendar schedules the machine to run at `tMs` (UTC). */
export function isScheduled(calendar: WeeklyCalendar, tMs: number): boolean {
  const day = Math.floor(tMs / DAY_MS);
  // 1970-01-01 was a Thursday (getUTCDay 4).
  const dow = (((day + 4) % 7) + 7) % 7;
  const hour = (tMs - day * DAY_MS) / HOUR_MS;
  const shifts = calendar[dow as 0]!;
  for (let i = 0; i < shifts.length; i++) {
    const s = shifts[i]!;
    if (hour >= s[0] && hour < s[1]) return true;
  }
  return false;
}

/** The first time at or after `tMs` when the machine is scheduled (searching up to two weeks), or undefined. */
export function nextScheduledMs(calendar: WeeklyCalendar, tMs: number): number | undefined {
  if (isScheduled(calendar, tMs)) return tMs;
  const day = Math.floor(tMs / DAY_MS);
  for (let d = 0; d < 15; d++) {
    const dayStart = (day + d) * DAY_MS;
    const dow = (((day + d + 4) % 7) + 7) % 7;
    for (const [from] of calendar[dow as 0]!) {
      const at = dayStart + from * HOUR_MS;
      if (at >= tMs) return at;
    }
  }
  return undefined;
}
