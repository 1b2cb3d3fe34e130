/** Admin protocol (wire protocol §12): login and authenticate. */
import { ProtoType, writeProtoHeader } from '../../electron/core/wire/proto.js';
import { ResultCode } from '../../electron/core/wire/result-code.js';
import type { TestbedCluster } from './cluster.js';

const Cmd = { AUTHENTICATE: 0, LOGIN: 20 } as const;
const Field = { USER: 0, CREDENTIAL: 3, SESSION_TOKEN: 5, SESSION_TTL: 6 } as const;
const SESSION_TTL_SECONDS = 24 * 3600;

function reply(result: number, fields: Array<[number, Buffer]> = []): Buffer {
  const size = 16 + fields.reduce((a, [, d]) => a + 5 + d.length, 0);
  const out = Buffer.alloc(8 + size);
  writeProtoHeader(out, 0, ProtoType.ADMIN, size);
  out[9] = result;
  out[11] = fields.length;
  let p = 24;
  for (const [id, d] of fields) {
    out.writeUInt32BE(d.length + 1, p);
    out[p + 4] = id;
    d.copy(out, p + 5);
    p += 5 + d.length;
  }
  return out;
}

export interface AdminOutcome {
  response: Buffer;
  /** The connection's new state; undefined leaves it as it was (commands other than login/authenticate). */
  authenticated: boolean | undefined;
}

export function handleAdmin(cluster: TestbedCluster, body: Buffer): AdminOutcome {
  const command = body[2]!;
  const nFields = body[3]!;
  const fields = new Map<number, Buffer>();
  let p = 16;
  for (let i = 0; i < nFields && p + 5 <= body.length; i++) {
    const size = body.readUInt32BE(p);
    fields.set(body[p + 4]!, body.subarray(p + 5, p + 4 + size));
    p += 4 + size;
  }
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
