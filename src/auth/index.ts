/** Access control (SPEC 8): users, argon2id, TOTP, sessions, API tokens, the role table. */
export {
  AuthService,
  publicUser,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_MAX_FAILED_LOGINS,
  DEFAULT_LOCKOUT_MS,
  DEFAULT_LOGIN_RATE_PER_MINUTE,
  DEFAULT_RECOVERY_CODE_COUNT,
  TOTP_CHALLENGE_TTL_MS,
  TOKEN_PREFIX,
  type AuthServiceOptions,
  type AuditSink,
  type Principal,
  type PublicUser,
  type PublicToken,
  type IssuedSession,
  type LoginResult,
  type TotpEnrolment,
} from './auth-service.js';
export { PERMISSIONS, PERMISSION_DESCRIPTIONS, ROLE_PERMISSIONS, can, type Permission } from './permissions.js';
export { hashSecret, verifySecret, ARGON2_OPTIONS, MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH } from './passwords.js';
export { totp, verifyTotp, hotp, newTotpSecret, otpauthUri, base32Encode, base32Decode, DEFAULT_TOTP_STEP_S, DEFAULT_TOTP_WINDOW } from './totp.js';
export { mqttAuthenticateHook, MQTT_INTERNAL_USERNAME, type MqttAuthenticateHook, type MqttAuthOptions } from './mqtt-auth.js';
