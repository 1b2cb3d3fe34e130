/**
 * API credentials: rotate the token (the new one is shown once, in the answer, and written to
 * the data folder's 0600 api-token file) and set or remove HTTP basic auth.
 */
import { ApiErrorSchema, BasicAuthBodySchema, OkSchema, TokenSchema } from '../../../../shared/schemas/rest.js';
import { TOKEN_ENV, TOKEN_FILE, rotateApiToken, setBasicAuth } from '../../service/api-access.js';
import { HttpError } from '../errors.js';
import type { RestApp, RestContext } from '../context.js';
import { join } from 'node:path';

const tags = ['Access'];

export function accessRoutes(app: RestApp, { service, dataDir }: RestContext): void {
  app.post(
    '/v1/access/token/rotate',
    { schema: { tags, operationId: 'rotateToken', summary: 'Replace the API token; the old one stops working at once.', response: { 200: TokenSchema, 409: ApiErrorSchema } } },
    async () => {
      if (process.env[TOKEN_ENV]) throw new HttpError(409, `the token comes from ${TOKEN_ENV}: change that variable instead`);
      return { token: rotateApiToken(service.config, dataDir), file: join(dataDir, TOKEN_FILE) };
    },
  );

  app.put(
    '/v1/access/basic',
    { schema: { tags, operationId: 'setBasicAuth', summary: 'Set HTTP basic auth (user and password, stored as a bcrypt hash), or remove it with {"remove": true}.', body: BasicAuthBodySchema, response: { 200: OkSchema, 400: ApiErrorSchema } } },
    async (req) => {
      setBasicAuth(service.config, 'user' in req.body ? { user: req.body.user, password: req.body.password } : undefined);
      return { ok: true };
    },
  );
}
