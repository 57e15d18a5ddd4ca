// Plays the Deployment controller and kubelet on the test control plane (which runs neither): every few
// hundred milliseconds it writes the status a real controller would write for each Deployment of the given
// namespaces (of every namespace when none is given: `stagecraft dev-cluster start` runs it so). Deployments whose pod template image contains ":broken" or "@sha256:bad" never progress:
// their status says ProgressDeadlineExceeded, as a crash-looping rollout ends up. Used by the tests and by
// `stagecraft demo`; never point it at a real cluster.
// Usage: node simulate-rollouts.js KUBECONFIG [NAMESPACE…]  (runs until killed)
'use strict';
const { execFileSync } = require('child_process');

const [kubeconfig, ...namespaces] = process.argv.slice(2);
const kubectl = (...args) => execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function desiredStatus(deployment) {
  const replicas = deployment.spec.replicas ?? 1;
  const images = deployment.spec.template.spec.containers.map((container) => container.image);
  const broken = images.some((image) => image.includes(':broken') || image.includes('@sha256:bad'));
  const generation = deployment.metadata.generation;
  if (broken) {
    return {
      observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: replicas,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${deployment.metadata.name}" has timed out progressing.` }],
    };
  }
  return {
    observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
    conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }],
  };
}

function tick() {
  for (const namespace of namespaces.length === 0 ? [undefined] : namespaces) {
    tickNamespace(namespace);
  }
}

function tickNamespace(namespace) {
  let list;
  try {
    list = JSON.parse(kubectl('get', 'deployments', ...(namespace === undefined ? ['--all-namespaces'] : ['-n', namespace]), '-o', 'json'));
  } catch {
    return;
  }
  for (const deployment of list.items) {
    const status = desiredStatus(deployment);
    const current = deployment.status ?? {};
    if (current.observedGeneration === status.observedGeneration && current.readyReplicas === status.readyReplicas
      && JSON.stringify(current.conditions?.map((condition) => condition.reason)) === JSON.stringify(status.conditions.map((condition) => condition.reason))) {
      continue;
    }
    try {
      kubectl('patch', 'deployment', deployment.metadata.name, '-n', deployment.metadata.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }));
    } catch {
      // The next tick tries again (the object may have changed in between).
    }
  }
}

setInterval(tick, 250);
tick();
