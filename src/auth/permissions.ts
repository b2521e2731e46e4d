import type { Role } from '../domain/index.js';

/**
 * What a caller may do. Each API route names exactly one permission (or none, for public routes),
 * and the role table below says which roles hold it (README "Roles").
 */
export const PERMISSIONS = [
  'read',
  'alerts.respond',
  'actions.approve',
  'telemetry.write',
  'models.manage',
  'deadletters.read',
  'audit.read',
  'users.manage',
  'tokens.manage',
  'backups.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Plain-words meaning of each permission, for the README and /docs. */
export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = {
  read: 'see alerts, actions, plant, machines, series, scored ticks, models, KPIs, live events',
  'alerts.respond': 'acknowledge (with a comment) and shelve alerts',
  'actions.approve': 'approve or reject recommended actions',
  'telemetry.write': 'send telemetry over HTTP (and MQTT when auth.mqtt is on)',
  'models.manage': 'activate a model version in the registry',
  'deadletters.read': 'read refused readings (dead letters)',
  'audit.read': 'read the audit log (sign-ins, failures, changes, decisions)',
  'users.manage': 'create, change, disable and delete users',
  'tokens.manage': 'create and revoke API tokens',
  'backups.manage': 'list, create and verify encrypted backups',
};

/** The role table (SPEC 8; paper 3.4: operators act, engineers tune models, admins administer). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  operator: ['read', 'alerts.respond', 'actions.approve', 'telemetry.write'],
  engineer: ['read', 'alerts.respond', 'actions.approve', 'telemetry.write', 'models.manage', 'deadletters.read'],
  admin: [...PERMISSIONS],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
