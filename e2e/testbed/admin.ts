/** Admin protocol (wire protocol §12): login and authenticate. */
import { decodeAdminFields, encodeAdminMessage } from '../../electron/core/wire/admin-message.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import type { TestbedCluster } from './cluster.js';

const Cmd = { AUTHENTICATE: 0, LOGIN: 20 } as const;
const Field = { USER: 0, CREDENTIAL: 3, SESSION_TOKEN: 5, SESSION_TTL: 6 } as const;
const SESSION_TTL_SECONDS = 24 * 3600;

function reply(result: number, fields: Array<[number, Buffer]> = []): Buffer {
  return encodeAdminMessage({ result }, fields);
}

export interface AdminOutcome {
  response: Buffer;
  /** The connection's new state; undefined leaves it as it was (commands other than login/authenticate). */
  authenticated: boolean | undefined;
}

export function handleAdmin(cluster: TestbedCluster, body: Buffer): AdminOutcome {
  const command = body[2]!;
  const fields = decodeAdminFields(body);
  // With security off the server says so and the client proceeds without sessions.
  if (!cluster.securityEnabled) return { response: reply(ResultCode.SECURITY_NOT_ENABLED), authenticated: true };
  const user = fields.get(Field.USER)?.toString('utf8') ?? '';
  if (command === Cmd.LOGIN) {
    const check = cluster.checkLogin(user, fields.get(Field.CREDENTIAL)?.toString('utf8') ?? '');
    if (check === 'user') return { response: reply(ResultCode.INVALID_USER), authenticated: false };
    if (check === 'password') return { response: reply(ResultCode.INVALID_PASSWORD), authenticated: false };
    const ttl = Buffer.alloc(4);
    ttl.writeUInt32BE(SESSION_TTL_SECONDS);
    return {
      response: reply(0, [
        [Field.SESSION_TOKEN, cluster.sessionToken],
        [Field.SESSION_TTL, ttl],
      ]),
      authenticated: true,
    };
  }
  if (command === Cmd.AUTHENTICATE) {
    const token = fields.get(Field.SESSION_TOKEN);
    const ok = user === cluster.user && token !== undefined && token.equals(cluster.sessionToken);
    return { response: reply(ok ? 0 : ResultCode.NOT_AUTHENTICATED), authenticated: ok };
  }
  return { response: reply(ResultCode.INVALID_COMMAND), authenticated: undefined };
}
