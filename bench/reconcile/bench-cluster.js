// The benchmark control plane (real kube-apiserver + etcd on loopback), its folder and ports overridable
// like the test control planes': STAGECRAFT_BENCH_CLUSTER_DIR, _PORT, STAGECRAFT_BENCH_ETCD_PORT, _PEER_PORT.
'use strict';
const { spawnSync } = require('child_process');
const os = require('os');
const path = require('path');

const script = (name) => path.join(__dirname, '..', '..', 'scripts', 'control-plane', name);

function benchCluster(defaultDir = path.join(os.homedir(), '.cache', 'stagecraft', 'bench-cluster')) {
  return {
    dir: process.env.STAGECRAFT_BENCH_CLUSTER_DIR ?? defaultDir,
    port: process.env.STAGECRAFT_BENCH_CLUSTER_PORT ?? '18443',
    etcd: process.env.STAGECRAFT_BENCH_ETCD_PORT ?? '14379',
    peer: process.env.STAGECRAFT_BENCH_ETCD_PEER_PORT ?? '14380',
  };
}

/** Wipes and starts the control plane; returns its kubeconfig. */
function startFresh(cluster) {
  spawnSync('bash', [script('stop.sh'), '--dir', cluster.dir, '--wipe'], { stdio: 'ignore' });
  const start = spawnSync('bash', [script('start.sh'), '--dir', cluster.dir, '--port', cluster.port, '--etcd-port', cluster.etcd, '--etcd-peer-port', cluster.peer], { encoding: 'utf8' });
  if (start.status !== 0) throw new Error(`the control plane did not start:\n${start.stderr}`);
  return start.stdout.trim().split('\n').pop();
}

function wipe(cluster) {
  spawnSync('bash', [script('stop.sh'), '--dir', cluster.dir, '--wipe'], { stdio: 'ignore' });
}

module.exports = { benchCluster, startFresh, wipe };
