// The floor of a cold apply: one server-side apply PATCH per YAML file of each FOLDER into its NAMESPACE,
// nothing else (no reading of git, no verification, no plan, no inventory, no status), over one HTTP/2
// connection and with the same number of requests in flight as stagecraft, all folders in one process and one
// pool of requests. No tool that applies each object with server-side apply can be faster than this against
// the same API server.
// Usage: node raw-apply.js KUBECONFIG CONCURRENCY FOLDER NAMESPACE [FOLDER NAMESPACE …]
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { readKubeconfig } = require('../../lib/reconciler/kubeconfig');
const { openTransport } = require('../../lib/reconciler/private/api-transport');

const [kubeconfig, concurrency, ...pairs] = process.argv.slice(2);
const RESOURCES = { ConfigMap: '/api/v1/namespaces/NS/configmaps/', Service: '/api/v1/namespaces/NS/services/', Deployment: '/apis/apps/v1/namespaces/NS/deployments/' };

async function main() {
  const reading = readKubeconfig(kubeconfig, fs.readFileSync(kubeconfig, 'utf8'));
  if (reading.kind !== 'static') throw new Error(`${kubeconfig}: the floor needs a kubeconfig with static credentials`);
  if (pairs.length === 0 || pairs.length % 2 !== 0) throw new Error('usage: node raw-apply.js KUBECONFIG CONCURRENCY FOLDER NAMESPACE [FOLDER NAMESPACE …]');
  const namespaces = [];
  const objects = [];
  for (let index = 0; index < pairs.length; index += 2) {
    const [folder, namespace] = [pairs[index], pairs[index + 1]];
    namespaces.push(namespace);
    for (const file of fs.readdirSync(folder).filter((name) => name.endsWith('.yaml')).sort()) {
      const object = yaml.load(fs.readFileSync(path.join(folder, file), 'utf8'));
      if (RESOURCES[object.kind] === undefined) throw new Error(`${file}: the floor applies ConfigMaps, Services and Deployments only, not ${object.kind}`);
      objects.push({ ...object, metadata: { ...object.metadata, namespace } });
    }
  }
  const transport = openTransport(reading.settings, Number(concurrency));
  const started = process.hrtime.bigint();
  for (const namespace of namespaces) {
    const created = await transport.send({ method: 'POST', path: '/api/v1/namespaces', contentType: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }) });
    if (created.status >= 300) throw new Error(`creating namespace ${namespace}: HTTP ${created.status} ${created.body}`);
  }
  let next = 0;
  let writes = namespaces.length;
  const worker = async () => {
    while (next < objects.length) {
      const object = objects[next++];
      const url = `${RESOURCES[object.kind].replace('NS', object.metadata.namespace)}${encodeURIComponent(object.metadata.name)}?fieldManager=bench-raw&force=true`;
      const response = await transport.send({ method: 'PATCH', path: url, contentType: 'application/apply-patch+yaml', body: JSON.stringify(object) });
      writes++;
      if (response.status >= 300) throw new Error(`${object.kind}/${object.metadata.name}: HTTP ${response.status} ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  transport.close();
  process.stdout.write(`${JSON.stringify({ writes, insideSeconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
