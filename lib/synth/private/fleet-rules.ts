import { FleetDefinition } from '../fleet-definition';

/**
 * Rules about the fleet as a whole: references between constructs that no single constructor can check.
 * Each returns problem descriptions that already name the construct and the fix.
 */
export function fleetProblems(fleet: FleetDefinition): string[] {
  const problems: string[] = [];
  const environmentNames = fleet.environments.map((environment) => environment.environmentName);
  const known = new Set(environmentNames);
  const knownList = environmentNames.join(', ') || 'none';
  if (environmentNames.length === 0) {
    problems.push('fleet: has no environments; add one with new Environment(fleet, "dev")');
  }
  for (const application of fleet.applications) {
    for (const environment of Object.keys(application.environmentOverrides).sort()) {
      if (!known.has(environment)) {
        problems.push(`${application.node.path}: overrides for unknown environment "${environment}" (known: ${knownList}); fix the name or add the environment`);
      }
    }
  }
  const applicationNames = new Set(fleet.applications.map((application) => application.applicationName));
  const edges = new Map<string, Set<string>>();
  for (const policy of fleet.promotionPolicies) {
    let previous: string | undefined;
    for (const stage of policy.stages) {
      const environment = stage.environment;
      const name = environment.environmentName;
      if (!known.has(name) || environment.node.root !== fleet.node.root) {
        problems.push(`${policy.node.path}: stage environment "${name}" is not an environment of this fleet (known: ${knownList}); use an Environment created in this fleet`);
      }
      if (previous !== undefined) {
        const targets = edges.get(previous) ?? new Set<string>();
        targets.add(name);
        edges.set(previous, targets);
      }
      previous = name;
    }
    for (const application of policy.applications ?? []) {
      if (!applicationNames.has(application.applicationName) || application.node.root !== fleet.node.root) {
        problems.push(`${policy.node.path}: application "${application.applicationName}" is not an application of this fleet; use an Application created in this fleet`);
      }
    }
  }
  const cycle = findCycle(edges);
  if (cycle) {
    problems.push(`fleet: promotion policies form a cycle ${cycle.join(' → ')}; promotions must flow one way, remove one of these steps`);
  }
  return problems;
}

/** A cycle in the promotion graph, as the list of environments walked, or undefined. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') {
      return undefined;
    }
    if (state.get(node) === 'visiting') {
      return [...stack.slice(stack.indexOf(node)), node];
    }
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) {
        return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) {
      return cycle;
    }
  }
  return undefined;
}
