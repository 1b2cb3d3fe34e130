/** Login and session authentication (wire protocol §12). */
import bcrypt from 'bcryptjs';
import { decodeAdminFields, encodeAdminMessage } from '../wire/admin-message.js';
import { ProtoType } from '../wire/proto.js';
import { ResultCode } from '../wire/result-code.js';
import { AerospikeError, ClientCode } from './errors.js';
import type { WireConnection } from './wire-connection.js';

const Cmd = { AUTHENTICATE: 0, LOGIN: 20 } as const;
const Field = { USER: 0, CREDENTIAL: 3, SESSION_TOKEN: 5 } as const;
/** The fixed salt every Aerospike client hashes passwords with. */
const SALT = '$2a$10$7EqJtq98hPqEX7fNZaFWoO';

export function passwordCredential(password: string): string {
  return bcrypt.hashSync(password, SALT);
}

function adminMessage(command: number, fields: Array<[number, Buffer]>): Buffer {
  return encodeAdminMessage({ command }, fields);
}

async function exchange(conn: WireConnection, msg: Buffer): Promise<{ result: number; fields: Map<number, Buffer> }> {
  await conn.send(msg);
  const frame = await conn.next();
  if (frame.type !== ProtoType.ADMIN) throw new AerospikeError(`expected an admin answer, got proto type ${frame.type}`, ClientCode.PROTOCOL);
  return { result: frame.body[1]!, fields: decodeAdminFields(frame.body) };
}

const LOGIN_ERRORS: Record<number, string> = {
  [ResultCode.INVALID_USER]: 'unknown user',
  [ResultCode.INVALID_PASSWORD]: 'wrong password',
  [ResultCode.INVALID_CREDENTIAL]: 'invalid credential',
  [ResultCode.EXPIRED_SESSION]: 'session expired',
};

/** Logs in; resolves to the session token, or null when the server has security disabled. */
export async function login(conn: WireConnection, user: string, credential: string): Promise<Buffer | null> {
  const { result, fields } = await exchange(
    conn,
    adminMessage(Cmd.LOGIN, [
      [Field.USER, Buffer.from(user)],
      [Field.CREDENTIAL, Buffer.from(credential)],
    ]),
  );
  if (result === ResultCode.SECURITY_NOT_ENABLED) return null;
  if (result !== 0) throw new AerospikeError(`login as '${user}' refused: ${LOGIN_ERRORS[result] ?? `result code ${result}`}`, result);
  return fields.get(Field.SESSION_TOKEN) ?? null;
}

export async function authenticate(conn: WireConnection, user: string, token: Buffer): Promise<void> {
  const { result } = await exchange(
    conn,
    adminMessage(Cmd.AUTHENTICATE, [
      [Field.USER, Buffer.from(user)],
      [Field.SESSION_TOKEN, token],
    ]),
  );
  if (result !== 0) throw new AerospikeError(`authentication as '${user}' refused (result code ${result})`, result);
}
