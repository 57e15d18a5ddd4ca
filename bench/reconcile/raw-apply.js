// The floor of a cold apply: one server-side apply PATCH per YAML file of FOLDER into NAMESPACE, nothing else
// (no reading of git, no verification, no plan, no inventory, no status), over the same HTTP/2 connection
// and with the same number of requests in flight as stagecraft. No tool that applies each object with
// server-side apply can be faster than this against the same API server.
// Usage: node raw-apply.js KUBECONFIG FOLDER NAMESPACE [CONCURRENCY]
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const { readKubeconfig } = require('../../lib/reconciler/kubeconfig');
const { openTransport } = require('../../lib/reconciler/private/api-transport');

const [kubeconfig, folder, namespace, concurrency] = process.argv.slice(2);
const RESOURCES = { ConfigMap: '/api/v1/namespaces/NS/configmaps/', Service: '/api/v1/namespaces/NS/services/', Deployment: '/apis/apps/v1/namespaces/NS/deployments/' };

async function main() {
  const reading = readKubeconfig(kubeconfig, fs.readFileSync(kubeconfig, 'utf8'));
  if (reading.kind !== 'static') throw new Error(`${kubeconfig}: the floor needs a kubeconfig with static credentials`);
  const objects = fs.readdirSync(folder).filter((file) => file.endsWith('.yaml')).sort().map((file) => {
    const object = yaml.load(fs.readFileSync(path.join(folder, file), 'utf8'));
    if (RESOURCES[object.kind] === undefined) throw new Error(`${file}: the floor applies ConfigMaps, Services and Deployments only, not ${object.kind}`);
    return { ...object, metadata: { ...object.metadata, namespace } };
  });
  const transport = openTransport(reading.settings, Number(concurrency ?? 16));
  const started = process.hrtime.bigint();
  const created = await transport.send({ method: 'POST', path: '/api/v1/namespaces', contentType: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }) });
  if (created.status >= 300) throw new Error(`creating namespace ${namespace}: HTTP ${created.status} ${created.body}`);
  let next = 0;
  let writes = 1;
  const worker = async () => {
    while (next < objects.length) {
      const object = objects[next++];
      const url = `${RESOURCES[object.kind].replace('NS', namespace)}${encodeURIComponent(object.metadata.name)}?fieldManager=bench-raw&force=true`;
      const response = await transport.send({ method: 'PATCH', path: url, contentType: 'application/apply-patch+yaml', body: JSON.stringify(object) });
      writes++;
      if (response.status >= 300) throw new Error(`${object.kind}/${object.metadata.name}: HTTP ${response.status} ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency ?? 16) }, worker));
  transport.close();
  process.stdout.write(`${JSON.stringify({ writes, insideSeconds: Number(process.hrtime.bigint() - started) / 1e9 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
