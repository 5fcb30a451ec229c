// A real OAuth 2 / OpenID Connect authorization server for the auth example:
// oauth2-mock-server (npm) on 127.0.0.1, one RS256 signing key, the client-credentials
// grant. Usage: node issuer.mjs [PORT]   (0 or nothing: a free port)
//
// Prints `issuer http://127.0.0.1:PORT` once it accepts connections. Tokens follow
// RFC 9068 for client credentials: `sub` and `client_id` are the client's id, and the
// RFC 8707 `resource` parameter of the token request becomes `aud` (the mock server
// itself only copies an `aud` form field).
import { OAuth2Server } from 'oauth2-mock-server';

const port = Number(process.argv[2] ?? 0);
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

server.service.on('beforeTokenSigning', (token, req) => {
  const body = req.body ?? {};
  let clientId = body.client_id;
  const basic = req.headers.authorization ?? '';
  if (basic.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(basic.slice(6), 'base64').toString('utf8');
    clientId = decodeURIComponent(decoded.split(':')[0].replace(/\+/g, ' '));
  }
  if (clientId) {
    token.payload.sub ??= clientId;
    token.payload.client_id = clientId;
  }
  if (typeof body.resource === 'string') {
    token.payload.aud = body.resource;
  }
});

// The issuer URL names the address it listens on ("localhost" may resolve to ::1 first).
server.issuer.url = `http://127.0.0.1:${port}`;
await server.start(port, '127.0.0.1');
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(`issuer ${server.issuer.url}`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
