#!/usr/bin/env node
'use strict';
// `git http-backend` (git's smart HTTP protocol, as CGI) behind a TLS server on 127.0.0.1, in a process of its
// own so that tests may block on the CLI meanwhile. Requests must carry Basic auth x-access-token:<token>.
// Usage: git-https-server.js PROJECT_ROOT TOKEN_FILE CERT KEY AUTH_LOG; prints the port on stdout.
const { spawn } = require('child_process');
const fs = require('fs');
const https = require('https');

const [projectRoot, tokenFile, cert, key, authLog] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();
const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (request, response) => {
  const authorization = request.headers.authorization || '';
  fs.appendFileSync(authLog, `${authorization}\n`);
  if (authorization !== expected) {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
    response.end('credentials required\n');
    return;
  }
  const url = new URL(request.url || '/', 'https://127.0.0.1');
  const backend = spawn('/usr/lib/git-core/git-http-backend', [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method || 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: request.headers['content-type'] || '',
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_VALUE_0: '*',
      ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) } : {}),
    },
  });
  request.pipe(backend.stdin);
  const chunks = [];
  backend.stdout.on('data', (chunk) => chunks.push(chunk));
  backend.on('close', () => {
    // CGI output: headers, a blank line, the body.
    const output = Buffer.concat(chunks);
    const crlf = output.indexOf('\r\n\r\n');
    const end = crlf >= 0 ? crlf : output.indexOf('\n\n');
    const headers = {};
    let status = 200;
    for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') {
        status = Number(value.split(' ')[0]);
      } else if (name !== '') {
        headers[name] = value;
      }
    }
    response.writeHead(status, headers);
    response.end(output.subarray(end + (crlf >= 0 ? 4 : 2)));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
