import { ClusterClient } from './cluster-client';
import { messageOf } from './describe';
import { FIELD_MANAGER } from './metadata-keys';

export interface NamespaceOutcome {
  readonly name: string;
  readonly result: 'present' | 'created' | 'failed';
  readonly message?: string;
}

/**
 * Makes sure the environment's namespaces exist before anything is applied into them. Namespaces are not in
 * the env-repo tree (synth writes none unless the program declares one), so a missing one is created by
 * server-side apply of a bare Namespace: it is not labelled as a member of the applyset and is never pruned,
 * because deleting a namespace deletes everything in it. An existing namespace gets no request beyond the GET.
 */
export async function ensureNamespaces(client: ClusterClient, names: readonly string[]): Promise<NamespaceOutcome[]> {
  return Promise.all(names.map(async (name): Promise<NamespaceOutcome> => {
    try {
      const live = await client.get({ apiVersion: 'v1', kind: 'Namespace', name });
      if (live !== undefined) {
        if (live.metadata.deletionTimestamp !== undefined) {
          return { name, result: 'failed', message: `namespace ${name} is being deleted (since ${live.metadata.deletionTimestamp}); nothing can be created in it until it is gone` };
        }
        return { name, result: 'present' };
      }
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: FIELD_MANAGER, force: false });
      return { name, result: 'created', message: 'created for the environment (environment.json namespaces); not a member of the applyset, never pruned' };
    } catch (error) {
      return { name, result: 'failed', message: `could not make sure namespace ${name} exists: ${messageOf(error)}` };
    }
  }));
}
