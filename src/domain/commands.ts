/** Commands a machine obeys (paper Table 8's automatic actions, SPEC 7). */
export const COMMAND_TYPES = [
  'cooling',
  'dehumidify',
  'secondary_power',
  'secondary_pumps',
  'reduce_load',
  'adjust_parameters',
  'stop',
  'resume',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export function isCommandType(value: unknown): value is CommandType {
  return typeof value === 'string' && (COMMAND_TYPES as readonly string[]).includes(value);
}

export interface MachineCommand {
  /** Unique id; the acknowledgement echoes it. */
  id: string;
  machineId: string;
  type: CommandType;
  /** `true` switches a mode on (cooling, dehumidify...), `false` off. Default on. */
  on?: boolean;
  /** For reduce_load / adjust_parameters: target load factor 0..1. */
  loadFactor?: number;
  issuedAtMs: number;
}

export type AckStatus = 'accepted' | 'rejected' | 'done';

export interface CommandAck {
  commandId: string;
  machineId: string;
  status: AckStatus;
  tsMs: number;
  detail?: string;
}

/** Machine status, published retained and as the MQTT last will ("offline"). */
export interface MachineStatus {
  machineId: string;
  state: 'running' | 'idle' | 'stopped' | 'offline';
  tsMs: number;
}
