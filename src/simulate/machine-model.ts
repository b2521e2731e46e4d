import { SENSOR_KINDS, SENSOR_SPECS, isCommandType } from '../domain/index.js';
import type { FaultLabel, Machine, MachineCommand, MachineStatus, SensorKind } from '../domain/index.js';
import { FaultPlan, type ActiveFault, type FaultPlanOptions } from './fault-plan.js';
import { MACHINE_PROFILES, isScheduled, type MachineProfile } from './profiles.js';
import { Random, streamKey } from './prng.js';
import { quantiserParams } from './quantiser.js';

/**
 * The physics of one machine, stepped in time (SPEC 1). Pure and seeded: no I/O, no clock; the
 * caller passes the time of every step. Three independent random streams per (seed, machine):
 * `params` (the machine's own constants), `noise` (process and sensor noise) and `faults`
 * (the schedule), so that changing the fault options leaves the physics of a machine untouched.
 *
 * Model, per step of dt:
 * - schedule: shift calendar of the type; within a shift, a renewal process of busy/idle cycles
 *   after a warm-up; `stop` halts the machine, `resume` restarts it (with a new warm-up).
 * - speed: first-order lag towards busy/idle/0 rpm; vibration ~ base + coef * (speed ratio)^2,
 *   times (1 + wear), wear rising linearly between maintenances (weeks).
 * - current: standby/idle/busy * load; load fluctuates (AR(1)); heat = current * heatPerAmp.
 * - temperature: lumped thermal mass, exact exponential step towards
 *   T_amb + heat / g with g = natural + coolant loop (scaled by coolant pressure) + cooling command.
 * - humidity: hall air (daily cycle) lowered by the machine's local warming; paint booths are held
 *   at a set point during shifts; dehumidify lowers it.
 * - gas: background CO2 plus occupancy and process emissions, diluted by ventilation (booth fan).
 * - coolant pressure: pump on while the machine is powered; supply voltage 24 V.
 * Sensor output: value + calibration bias (within the device accuracy) + noise, clamped to the
 * device range and quantised to its resolution; NaN stands for a missing value (null).
 */

export const SENSOR_COUNT = SENSOR_KINDS.length;
const T = 0; // temperature
const H = 1; // humidity
const V = 2; // vibration
const S = 3; // speed
const I = 4; // current
const G = 5; // gas
const P = 6; // coolant_pressure
const U = 7; // supply_voltage

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const SUPPLY_V = 24;
const SECONDARY_SUPPLY_V = 23.6;
const LOAD_TAU_MS = 10 * MINUTE_MS;
const HUMIDITY_TAU_MS = 8 * MINUTE_MS;
const GAS_TAU_MS = 3 * MINUTE_MS;
const PRESSURE_TAU_MS = 15_000;
const SPIKE_PROBABILITY = 0.15;
/** Extra conductance of the cooling command (chiller / extra fans): halves an assembly machine's rise. */
const COOLING_G = 3;
/** Heat of an overheating fault at severity 1 (heat units): +50 C on an assembly machine with coolant. */
const OVERHEAT_HEAT = 150;
/** Full-scale drift per sensor kind at severity 1, in the sensor's unit. */
const DRIFT_SPAN: Readonly<Record<SensorKind, number>> = {
  temperature: 15,
  humidity: 20,
  vibration: 2,
  speed: 300,
  current: 4,
  gas: 150,
  coolant_pressure: 1,
  supply_voltage: 3,
};

/** Why a command was refused; undefined when it was applied. */
export type CommandOutcome = { ok: true } | { ok: false; reason: string };

/** Result of one step: `emit` false means the machine sends nothing (gap, connection failure). */
export interface StepInfo {
  emit: boolean;
  /** Offset of the reported timestamp from the true time (clock skew), ms. */
  skewMs: number;
}

export interface MachineModelOptions {
  seed: number;
  /** Random faults; omit for none. */
  faults?: Omit<FaultPlanOptions, 'seed'>;
  /** First time the model will be stepped; the fault schedule starts here. */
  startMs: number;
}

interface SensorNoise {
  bias: number;
  sigma: number;
  relative: boolean;
  min: number;
  max: number;
  /** Quantisation as in quantiserFor: round(v / step) * stepsPerUnit / scale. */
  step: number;
  stepsPerUnit: number;
  scale: number;
}

/**
 * One machine's state and physics.
 * @example
 * const m = new MachineModel(machine, { seed: 1, startMs: t0 });
 * const out = new Float64Array(SENSOR_COUNT);
 * m.step(t0, out); // out[0] is the temperature reading
 */
export class MachineModel {
  readonly machine: Machine;
  readonly profile: MachineProfile;
  private readonly noise: Random;
  private readonly plan: FaultPlan | undefined;
  private readonly sensors: SensorNoise[];

  // Per-machine constants (from the `params` stream).
  private readonly speedNominal: number;
  private readonly ambientOffsetC: number;
  private readonly wearPerDay: number;
  private readonly maintenanceMs: number;
  private readonly maintenancePhaseMs: number;
  private readonly heatScale: number;

  // Dynamic state.
  private lastMs = Number.NaN;
  private lastDtMs = -1;
  private aLoad = 0;
  private aLoadNoise = 0;
  private aHum = 0;
  private aGas = 0;
  private aPressure = 0;
  private aSpeed = 0;
  private scheduledPrev = false;
  private runningSinceMs = Number.NaN;
  private busy = false;
  private phaseEndMs = 0;
  private loadDev = 0;
  private hallHumDev = 0;
  private gasDev = 0;
  private speed = 0;
  private tempC: number;
  private humidity: number;
  private gas: number;
  private pressure: number;

  // Command state (SPEC 7 actions).
  private coolingOn = false;
  private dehumidifyOn = false;
  private secondaryPowerOn = false;
  private secondaryPumpsOn = false;
  private loadFactor = 1;
  private parametersAdjusted = false;
  private stopped = false;

  // Faults.
  private readonly active: ActiveFault[] = [];
  private readonly stuckValue = new Float64Array(SENSOR_COUNT);
  private nextPlanned: ActiveFault | undefined;
  private readonly pending: ActiveFault[] = [];
  /** Labels of faults that have started, in start order; drained by the caller. */
  readonly startedLabels: FaultLabel[] = [];

  constructor(machine: Machine, options: MachineModelOptions) {
    this.machine = machine;
    this.profile = MACHINE_PROFILES[machine.type];
    const params = new Random(streamKey(options.seed, machine.id, 'params'));
    this.noise = new Random(streamKey(options.seed, machine.id, 'noise'));
    this.plan = options.faults ? new FaultPlan(machine, { ...options.faults, seed: options.seed }, options.startMs) : undefined;
    this.nextPlanned = this.plan?.next();
    const p = this.profile;
    this.speedNominal = p.speedBusyRpm * params.uniform(0.95, 1.05);
    this.ambientOffsetC = params.uniform(-1, 1);
    this.wearPerDay = params.uniform(0.004, 0.012);
    this.maintenanceMs = Math.round(params.uniform(60, 120)) * DAY_MS;
    this.maintenancePhaseMs = Math.floor(params.next() * this.maintenanceMs);
    this.heatScale = params.uniform(0.9, 1.1);
    this.sensors = SENSOR_KINDS.map((kind) => {
      const spec = SENSOR_SPECS[kind];
      // Calibration error within half the stated accuracy, reading noise a quarter of it: a reading
      // stays within the stated accuracy about 95 % of the time.
      return {
        bias: params.uniform(-0.5, 0.5) * spec.accuracy,
        sigma: spec.accuracy / 4,
        relative: spec.accuracyRelative === true,
        min: spec.min,
        max: spec.max,
        ...quantiserParams(kind),
      };
    });
    // Start in the state of a machine that has been off: at ambient, no pressure.
    const amb = this.ambientC(options.startMs);
    this.tempC = amb;
    this.humidity = this.hallHumidity(options.startMs);
    this.gas = 420;
    this.pressure = p.coolantStaticBar;
  }

  /** Faults active at the last step. */
  activeFaults(): readonly FaultLabel[] {
    return this.active.map((f) => f.label);
  }

  /**
   * Machine state for status messages: `running` in a shift, `idle` outside shifts, `stopped` by
   * command. Changes only at shift boundaries and on commands, not with every work cycle.
   */
  state(): MachineStatus['state'] {
    if (this.stopped) return 'stopped';
    return this.scheduledPrev ? 'running' : 'idle';
  }

  /** Removes and returns the labels of faults started since the last call. */
  drainStartedLabels(): FaultLabel[] {
    return this.startedLabels.splice(0, this.startedLabels.length);
  }

  /** Injects a fault (explicit list, or "now" in real-time mode); it starts at its label's startMs. */
  inject(fault: ActiveFault): void {
    this.pending.push(fault);
    this.pending.sort((a, b) => a.label.startMs - b.label.startMs);
  }

  private ambientC(tMs: number): number {
    const hour = (tMs % DAY_MS) / 3_600_000;
    return 21 + this.ambientOffsetC + 3 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
  }

  private hallHumidity(tMs: number): number {
    const hour = (tMs % DAY_MS) / 3_600_000;
    return 45 + 8 * Math.sin((2 * Math.PI * (hour - 3)) / 24);
  }

  private updateRates(dtMs: number): void {
    this.lastDtMs = dtMs;
    this.aLoad = Math.exp(-dtMs / LOAD_TAU_MS);
    this.aLoadNoise = Math.sqrt(1 - this.aLoad * this.aLoad);
    this.aHum = 1 - Math.exp(-dtMs / HUMIDITY_TAU_MS);
    this.aGas = 1 - Math.exp(-dtMs / GAS_TAU_MS);
    this.aPressure = 1 - Math.exp(-dtMs / PRESSURE_TAU_MS);
    this.aSpeed = 1 - Math.exp(-dtMs / this.profile.speedTauMs);
  }

  private activate(tMs: number): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      if (tMs >= this.active[i]!.label.endMs) this.active.splice(i, 1);
    }
    while (this.nextPlanned && this.nextPlanned.label.startMs <= tMs) {
      this.start(this.nextPlanned, tMs);
      this.nextPlanned = this.plan!.next();
    }
    while (this.pending.length > 0 && this.pending[0]!.label.startMs <= tMs) this.start(this.pending.shift()!, tMs);
  }

  private start(f: ActiveFault, tMs: number): void {
    this.startedLabels.push(f.label);
    if (tMs < f.label.endMs) {
      this.active.push(f);
      if (f.sensorIndex >= 0) this.stuckValue[f.sensorIndex] = Number.NaN;
    }
  }

  /** Earliest start among faults not yet started (to bound the labels of a run). */
  nextFaultStartMs(): number {
    const a = this.nextPlanned?.label.startMs ?? Infinity;
    const b = this.pending[0]?.label.startMs ?? Infinity;
    return Math.min(a, b);
  }

  /**
   * Advances the physics to `tMs` and writes the sensor readings into `out` (NaN = no value).
   * Steps must not go back in time.
   */
  step(tMs: number, out: Float64Array, info: StepInfo): void {
    const p = this.profile;
    const r = this.noise;
    let dtMs = Number.isNaN(this.lastMs) ? 0 : tMs - this.lastMs;
    if (dtMs < 0) dtMs = 0;
    this.lastMs = tMs;
    if (dtMs !== this.lastDtMs) this.updateRates(dtMs);
    if (this.active.length > 0 || this.nextFaultStartMs() <= tMs) this.activate(tMs);

    // Fault effects on the physics.
    let faultHeat = 0;
    let vibMult = 1;
    let humidityAdd = 0;
    let emissionAdd = 0;
    let energyMult = 1;
    let pressureMult = 1;
    let unpowered = -1;
    let emit = true;
    let skewMs = 0;
    for (let k = 0; k < this.active.length; k++) {
      const f = this.active[k]!;
      const sev = f.label.severity;
      const ramp = Math.min(1, (tMs - f.label.startMs) / (5 * MINUTE_MS));
      switch (f.label.type) {
        case 'overheating':
          faultHeat += OVERHEAT_HEAT * sev;
          break;
        case 'abnormal_vibration':
          vibMult *= 1 + 4 * sev * ramp;
          energyMult *= 1 + 0.1 * sev;
          break;
        case 'high_humidity':
          humidityAdd += 35 * sev;
          break;
        case 'high_emission':
          emissionAdd += 350 * sev;
          break;
        case 'low_cooling_pressure':
          pressureMult *= 1 - 0.75 * sev * ramp;
          break;
        case 'high_energy':
          energyMult *= 1 + 0.6 * sev * ramp;
          break;
        case 'power_interruption':
          if (!this.secondaryPowerOn) unpowered = f.sensorIndex;
          break;
        case 'connection_failure':
        case 'gap':
          emit = false;
          break;
        case 'clock_skew':
          skewMs += f.skewMs;
          break;
        default:
          break;
      }
    }

    // Schedule: shifts, warm-up, busy/idle cycles.
    const scheduled = isScheduled(p.calendar, tMs);
    const powered = scheduled && !this.stopped;
    if (powered && !(this.scheduledPrev && !Number.isNaN(this.runningSinceMs))) this.runningSinceMs = tMs;
    if (!powered) this.runningSinceMs = Number.NaN;
    this.scheduledPrev = powered;
    const warm = powered && tMs - this.runningSinceMs >= p.warmUpMs;
    if (warm) {
      if (tMs >= this.phaseEndMs) {
        this.busy = !this.busy;
        this.phaseEndMs = tMs + Math.max(5_000, r.exponential(this.busy ? p.busyMeanMs : p.idleMeanMs));
      }
    } else {
      this.busy = false;
      this.phaseEndMs = tMs;
    }

    // Load: AR(1) around the mean, scaled by reduce_load / adjust_parameters.
    this.loadDev = this.aLoad * this.loadDev + this.aLoadNoise * p.loadSigma * r.normal();
    const load = Math.max(0, Math.min(1.2, (p.loadMean + this.loadDev) * this.loadFactor));

    // Drive speed.
    const lf = 0.5 + 0.5 * this.loadFactor;
    const speedTarget = powered ? this.speedNominal * (this.busy ? lf : p.speedIdleFraction) : 0;
    this.speed += (speedTarget - this.speed) * this.aSpeed;
    const speedRatio = this.speed / this.speedNominal;

    // Vibration: rotation, cycle, wear since the last maintenance.
    const wear = this.wearPerDay * (((tMs + this.maintenancePhaseMs) % this.maintenanceMs) / DAY_MS);
    const turning = speedRatio > 0.02 ? 1 : speedRatio / 0.02;
    const vib = p.vibFloor + (p.vibBase * turning + p.vibSpeedCoef * speedRatio * speedRatio + (this.busy ? p.vibBusyAdd : 0)) * (1 + wear) * vibMult;

    // Pressure of the coolant loop.
    let pressureTarget = powered || (scheduled && this.stopped) ? p.coolantNominalBar * pressureMult : p.coolantStaticBar;
    if (this.secondaryPumpsOn) pressureTarget = Math.max(pressureTarget, 0.97 * p.coolantNominalBar);
    this.pressure += (pressureTarget - this.pressure) * this.aPressure;
    const pressureRatio = Math.min(1.2, this.pressure / p.coolantNominalBar);

    // Thermal: heat from current (motor / arc), a booth heater, an overheating fault.
    const ambient = this.ambientC(tMs) + (scheduled ? 1.5 : 0);
    const g = p.gNatural + p.gCoolant * (pressureRatio > 0.15 ? pressureRatio : 0) + (this.coolingOn ? COOLING_G : 0);
    let currentA = p.currentStandbyA;
    if (powered) currentA += p.currentIdleA * (0.3 + 0.7 * speedRatio) + (this.busy ? p.currentBusyA * load : 0);
    currentA *= (1 + 0.1 * wear) * energyMult;
    let heat = currentA * p.heatPerAmp * this.heatScale + faultHeat;
    if (p.heaterSetpointC !== null && powered) {
      const heaterHeat = Math.max(0, g * (p.heaterSetpointC - ambient) - heat);
      heat += heaterHeat;
      currentA += heaterHeat * p.heaterAmpPerHeat;
    }
    const tEq = ambient + heat / g;
    this.tempC = tEq + (this.tempC - tEq) * Math.exp((-dtMs / 1000) * (g / p.thermalCapacity));

    // Humidity: hall air, local warming, booth set point, spraying, dehumidifier, fault.
    this.hallHumDev = this.aLoad * this.hallHumDev + this.aLoadNoise * 1.5 * r.normal();
    let humTarget: number;
    if (p.humiditySetpointPct !== null && powered) humTarget = p.humiditySetpointPct + (this.busy ? p.humidityBusyAdd : 0);
    else humTarget = (this.hallHumidity(tMs) + this.hallHumDev) * Math.exp(-0.065 * 0.2 * Math.max(0, this.tempC - ambient));
    humTarget += humidityAdd;
    if (this.dehumidifyOn) humTarget -= 20;
    if (humTarget < 5) humTarget = 5;
    this.humidity += (humTarget - this.humidity) * this.aHum;

    // Gas: background, people on shift, process emissions diluted by ventilation.
    this.gasDev = this.aLoad * this.gasDev + this.aLoadNoise * 8 * r.normal();
    const ventilation = p.fanVentilation ? 0.3 + 0.7 * speedRatio : 1;
    const tuning = this.parametersAdjusted ? 0.4 : 1;
    const emission = ((this.busy ? p.gasBusyPpm * load : 0) * (this.parametersAdjusted ? 0.7 : 1) + emissionAdd * tuning * this.loadFactor) / ventilation;
    const gasTarget = 420 + this.gasDev + (scheduled ? 60 : 0) + emission;
    this.gas += (gasTarget - this.gas) * this.aGas;

    const supply = SUPPLY_V;

    // Sensor readings.
    out[T] = this.sense(T, this.tempC);
    out[H] = this.sense(H, this.humidity);
    out[V] = this.sense(V, vib);
    out[S] = this.sense(S, this.speed);
    out[I] = this.sense(I, currentA);
    out[G] = this.sense(G, this.gas);
    out[P] = this.sense(P, this.pressure);
    out[U] = this.sense(U, unpowered >= 0 ? 0 : this.secondaryPowerOn ? SECONDARY_SUPPLY_V : supply);
    if (unpowered >= 0) out[unpowered] = Number.NaN;

    // Sensor-level faults act on the readings.
    for (let k = 0; k < this.active.length; k++) {
      const f = this.active[k]!;
      const s = f.sensorIndex;
      switch (f.label.type) {
        case 'sensor_disconnected':
          out[s] = Number.NaN;
          break;
        case 'stuck_sensor':
          if (Number.isNaN(this.stuckValue[s]!)) this.stuckValue[s] = out[s]!;
          out[s] = this.stuckValue[s]!;
          break;
        case 'drift': {
          const progress = (tMs - f.label.startMs) / (f.label.endMs - f.label.startMs);
          const kind = SENSOR_KINDS[s]!;
          if (!Number.isNaN(out[s]!)) out[s] = this.clampQuantise(s, out[s]! + f.direction * f.label.severity * DRIFT_SPAN[kind] * progress);
          break;
        }
        case 'spikes':
          if (r.next() < SPIKE_PROBABILITY && !Number.isNaN(out[s]!)) {
            const sn = this.sensors[s]!;
            const span = sn.max - sn.min;
            const sign = out[s]! - sn.min > span / 2 ? -1 : 1;
            out[s] = this.clampQuantise(s, out[s]! + sign * (0.15 + 0.35 * f.label.severity * r.next()) * span);
          }
          break;
        default:
          break;
      }
    }
    info.emit = emit;
    info.skewMs = skewMs;
  }

  private sense(index: number, value: number): number {
    const sn = this.sensors[index]!;
    const noise = this.noise.normal() * (sn.relative ? sn.sigma * value : sn.sigma);
    const bias = sn.relative ? sn.bias * value : sn.bias;
    return this.clampQuantise(index, value + bias + noise);
  }

  private clampQuantise(index: number, v: number): number {
    const sn = this.sensors[index]!;
    const c = v < sn.min ? sn.min : v > sn.max ? sn.max : v;
    return (Math.round(c / sn.step) * sn.stepsPerUnit) / sn.scale + 0;
  }

  /**
   * Applies a command (SPEC 7, paper Table 8 actions). Returns why it was refused, if it was.
   * `on: false` switches a mode off; reduce_load / adjust_parameters take `loadFactor` 0..1.
   */
  applyCommand(command: Pick<MachineCommand, 'type' | 'on' | 'loadFactor'>): CommandOutcome {
    if (!isCommandType(command.type)) return { ok: false, reason: `unknown command type "${String(command.type)}"` };
    const on = command.on ?? true;
    if (typeof on !== 'boolean') return { ok: false, reason: `"on" must be a boolean, got ${JSON.stringify(on)}` };
    const lfGiven = command.loadFactor !== undefined;
    if (lfGiven && (typeof command.loadFactor !== 'number' || !(command.loadFactor >= 0 && command.loadFactor <= 1))) {
      return { ok: false, reason: `loadFactor must be a number from 0 to 1, got ${JSON.stringify(command.loadFactor)}` };
    }
    switch (command.type) {
      case 'cooling':
        this.coolingOn = on;
        break;
      case 'dehumidify':
        this.dehumidifyOn = on;
        break;
      case 'secondary_power':
        this.secondaryPowerOn = on;
        break;
      case 'secondary_pumps':
        this.secondaryPumpsOn = on;
        break;
      case 'reduce_load':
        this.loadFactor = on ? (lfGiven ? command.loadFactor! : 0.6) : 1;
        break;
      case 'adjust_parameters':
        this.parametersAdjusted = on;
        if (lfGiven) this.loadFactor = command.loadFactor!;
        break;
      case 'stop':
        if (on === false) return { ok: false, reason: 'stop takes no "on": false; send resume' };
        this.stopped = true;
        break;
      case 'resume':
        this.stopped = false;
        break;
    }
    return { ok: true };
  }

  /** Current command state (for status and tests). */
  controls(): { coolingOn: boolean; dehumidifyOn: boolean; secondaryPowerOn: boolean; secondaryPumpsOn: boolean; loadFactor: number; parametersAdjusted: boolean; stopped: boolean } {
    return {
      coolingOn: this.coolingOn,
      dehumidifyOn: this.dehumidifyOn,
      secondaryPowerOn: this.secondaryPowerOn,
      secondaryPumpsOn: this.secondaryPumpsOn,
      loadFactor: this.loadFactor,
      parametersAdjusted: this.parametersAdjusted,
      stopped: this.stopped,
    };
  }
}
