import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './cli';
import { commitAll } from './git-commit';
import { ScratchEnvRepo } from './test-cluster';
import { EnvironmentMetadata } from '../../lib/envrepo/environment-metadata';

/** A ScratchEnvRepo that is also a git repository: every `commit()` makes a revision the reconciler can fetch. */
export class GitEnvRepo extends ScratchEnvRepo {
  constructor(environment: string, namespace: string, metadata: Partial<EnvironmentMetadata> = {}) {
    super(environment, namespace, metadata);
    commitAll(this.root, 'empty environment', true);
  }

  /** Commits the current files; returns the commit. */
  public commit(message: string): string {
    return commitAll(this.root, message);
  }
}

/** Starts the fake Deployment controller for one namespace; call `.kill()` when done. */
export function startFakeController(kubeconfig: string, namespace: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'control-plane', 'simulate-rollouts.js'), kubeconfig, namespace], { stdio: 'ignore' });
  return child;
}
