import * as path from 'path';
import { fluxKustomizationStatus } from './controller-status';
import { git } from './git';
import { kubectl } from './test-cluster';
import { installUpstreamCrds } from './upstream-crds';

/**
 * Plays Flux in a control plane that has no Flux controllers (and no controller-manager): the CRDs and the
 * environment's `_delivery/` objects are installed as a cluster administrator would, a reconcile applies
 * `<env>/` of the branch's commit with `kubectl apply --server-side -k` (field manager kustomize-controller,
 * forcing ownership as kustomize-controller does), waits for the Deployments (Flux's `wait: true`) and writes
 * the Kustomization's status the way kustomize-controller writes it.
 */
export class FluxStandIn {
  private checkouts = 0;

  constructor(private readonly kubeconfig: string, private readonly bare: string, private readonly scratch: string) {}

  /** Installs the Flux CRDs and the flux-system namespace. */
  public install(): void {
    installUpstreamCrds(this.kubeconfig);
    this.ensureNamespace('flux-system');
  }

  /** The administrator's one-time step: `kubectl apply -f <env>/_delivery/` of main. */
  public applyDelivery(environment: string): void {
    const { folder } = this.checkout();
    kubectl(this.kubeconfig, ['apply', '--server-side', '--field-manager', 'cluster-admin', '-f', path.join(folder, environment, '_delivery')]);
  }

  /** One kustomize-controller reconcile of main; returns the commit it applied. */
  public reconcile(environment: string, namespace: string, options: { ready: boolean }): string {
    const { folder, commit } = this.checkout();
    this.ensureNamespace(namespace);
    kubectl(this.kubeconfig, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'kustomize-controller', '-k', path.join(folder, environment)]);
    if (options.ready) {
      kubectl(this.kubeconfig, ['wait', '--for=condition=Available', '--timeout=60s', 'deployments', '--all', '-n', namespace]);
    }
    const previous = kubectl(this.kubeconfig, ['get', 'kustomization', `stagecraft-${environment}`, '-n', 'flux-system', '-o', 'jsonpath={.status.lastAppliedRevision}']).stdout;
    const applied = /sha1:([0-9a-f]{40})$/.exec(previous)?.[1];
    this.writeStatus(environment, fluxKustomizationStatus({ attempted: commit, applied, ready: options.ready, namespace }));
    return commit;
  }

  /** Writes the Kustomization's status subresource, as the controller does. */
  public writeStatus(environment: string, status: Record<string, unknown>): void {
    kubectl(this.kubeconfig, ['patch', 'kustomization', `stagecraft-${environment}`, '-n', 'flux-system', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }

  private checkout(): { folder: string; commit: string } {
    const folder = path.join(this.scratch, `flux-checkout-${this.checkouts++}`);
    git(this.scratch, 'clone', '--quiet', '--branch', 'main', this.bare, folder);
    return { folder, commit: git(folder, 'rev-parse', 'HEAD') };
  }

  private ensureNamespace(namespace: string): void {
    if (kubectl(this.kubeconfig, ['get', 'namespace', namespace], { allowFailure: true }).status !== 0) {
      kubectl(this.kubeconfig, ['create', 'namespace', namespace]);
    }
  }
}
