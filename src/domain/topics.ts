/**
 * ISA-95-style MQTT topic hierarchy: enterprise / site(plant) / area / machine / channel.
 * `plantwatch/<plant>/<area>/<machine>/telemetry|commands|acks|status`
 */
export const TOPIC_ROOT = 'plantwatch';
export const TOPIC_CHANNELS = ['telemetry', 'commands', 'acks', 'status'] as const;
export type TopicChannel = (typeof TOPIC_CHANNELS)[number];

export interface TopicParts {
  plantId: string;
  areaId: string;
  machineId: string;
  channel: TopicChannel;
}

export function machineTopic(parts: TopicParts): string {
  return `${TOPIC_ROOT}/${parts.plantId}/${parts.areaId}/${parts.machineId}/${parts.channel}`;
}

/** One channel's topic of each of the given machines (a worker subscribes to its own machines only). */
export function machineTopics(plantId: string, machines: readonly { id: string; areaId: string }[], channel: TopicChannel): string[] {
  return machines.map((m) => machineTopic({ plantId, areaId: m.areaId, machineId: m.id, channel }));
}

/** Subscription filter for one channel of every machine of a plant (or of every plant with '+'). */
export function channelFilter(channel: TopicChannel, plantId = '+'): string {
  return `${TOPIC_ROOT}/${plantId}/+/+/${channel}`;
}

/** Parses a topic; returns undefined when it is not a plantwatch machine topic. */
export function parseTopic(topic: string): TopicParts | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT) return undefined;
  const [, plantId, areaId, machineId, channel] = parts as [string, string, string, string, string];
  if (!plantId || !areaId || !machineId) return undefined;
  if (!(TOPIC_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { plantId, areaId, machineId, channel: channel as TopicChannel };
}
