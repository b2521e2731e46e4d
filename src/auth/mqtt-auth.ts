import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError } from 'aedes';
import type { AuthService } from './auth-service.js';

/** User name of plantwatch's own MQTT clients (simulator, command dispatcher) on the embedded broker. */
export const MQTT_INTERNAL_USERNAME = 'plantwatch-internal';

export interface MqttAuthOptions {
  /**
   * A random secret generated at start-up for the process's own clients (user name
   * {@link MQTT_INTERNAL_USERNAME}); never stored or logged.
   */
  internalPassword?: string;
}

/** MQTT 3.1.1 CONNACK return codes used here (aedes' AuthErrorCode is a const enum, unusable under isolatedModules). */
const SERVER_UNAVAILABLE = 3 as AuthenticateError['returnCode'];
const BAD_USERNAME_OR_PASSWORD = 4 as AuthenticateError['returnCode'];

/** aedes' `authenticate` hook signature (aedes docs: broker.authenticate). */
export type MqttAuthenticateHook = (
  client: { id: string },
  username: string | undefined,
  password: Buffer | undefined,
  done: (error: AuthenticateError | null, success: boolean | null) => void,
) => void;

/**
 * The embedded broker's CONNECT check when `auth.mqtt` is on: the password must be an API token of
 * an operator or higher. MQTT 3.1.1 section 3.2.2.3: return code 4 = bad user name or password.
 * @example broker.authenticate = mqttAuthenticateHook(auth);
 */
export function mqttAuthenticateHook(auth: AuthService, options: MqttAuthOptions = {}): MqttAuthenticateHook {
  const internal = options.internalPassword ? Buffer.from(options.internalPassword) : undefined;
  return (client, username, password, done) => {
    if (internal && username === MQTT_INTERNAL_USERNAME && password && password.length === internal.length && timingSafeEqual(password, internal)) return done(null, true);
    auth.checkMqttCredentials(username, password).then(
      (principal) => {
        if (principal) return done(null, true);
        const err = Object.assign(new Error(`MQTT client "${client.id}": bad user name or password (an API token is expected as the password)`), { returnCode: BAD_USERNAME_OR_PASSWORD });
        done(err, false);
      },
      (err: unknown) => done(Object.assign(err instanceof Error ? err : new Error(String(err)), { returnCode: SERVER_UNAVAILABLE }), false),
    );
  };
}
