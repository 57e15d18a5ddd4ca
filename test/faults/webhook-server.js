#!/usr/bin/env node
'use strict';
// A validating admission webhook for the fault tests, run as its own process so the API server can call it
// while the test process is blocked in a synchronous kubectl or stagecraft run.
// Usage: webhook-server.js CERT KEY RULES_JSON
//   RULES_JSON: [{ "operation": "CREATE|UPDATE|DELETE", "kind": "ConfigMap", "namespace": "ns", "name": "bad", "message": "…" }]
// Prints `listening PORT` once it listens on 127.0.0.1; allows every request no rule matches.
const fs = require('fs');
const https = require('https');

const [certFile, keyFile, rulesJson] = process.argv.slice(2);
const rules = JSON.parse(rulesJson);

const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const review = JSON.parse(body);
    const admission = review.request;
    const rule = rules.find((candidate) => candidate.operation === admission.operation
      && candidate.kind === admission.kind.kind
      && (candidate.namespace === undefined || candidate.namespace === admission.namespace)
      && candidate.name === admission.name);
    const answer = rule === undefined
      ? { uid: admission.uid, allowed: true }
      : { uid: admission.uid, allowed: false, status: { code: 403, message: rule.message } };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: answer }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
