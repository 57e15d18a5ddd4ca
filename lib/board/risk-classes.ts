import type { PromotionRiskClass } from './model';
import type { EnvironmentMetadata } from '../envrepo/environment-metadata';
import { compareCodeUnits } from '../envrepo/names';
import { isRiskDependentGate } from '../envrepo/promotion-gates';
import type { SignerTrust } from '../git';
import { promote } from '../promotion/promote';

/** How the board runs the fleet program to find risk classes, as `promote` does (`--fleet`, `--deps`). */
export interface RiskJudging {
  /** Folder of the fleet program inside the env repo. */
  readonly fleet: string;
  /**
   * An installed `node_modules` folder for the fleet program, linked into the private checkout.
   * @default - none: the program must find its dependencies by itself
   */
  readonly dependencies?: string;
}

/** What the board knows about the risk of pending promotions. */
export interface RiskClassesFound {
  readonly riskClasses: readonly PromotionRiskClass[];
  /** Why some or all could not be found: the page shows it beside the gates left unjudged. */
  readonly notJudged?: string;
}

export interface RiskClassesRequest extends RiskJudging {
  readonly repo: string;
  readonly branch: string;
  /** The branch tip the board read: risk classes depend only on it (the program, the releases, the images). */
  readonly commit: string;
  readonly now: number;
  readonly trust?: SignerTrust;
  readonly environments: readonly EnvironmentMetadata[];
}

/**
 * Risk classes of the promotions waiting on steps whose gates depend on them (extraApprovals, extraSoak), found
 * as `promote --dry-run` finds them: per step, one private checkout where the target gets the upstream images
 * and is re-synthesized; nothing is committed. Steps without such gates cost nothing. The gates themselves are
 * judged by the board at its own clock, so cached classes never make a verdict stale.
 */
export class RiskClasses {
  private cached?: { readonly commit: string; readonly found: Promise<RiskClassesFound> };

  /** Re-synthesizes only when the branch tip moved since the last call (the live board refreshes often). */
  public find(request: RiskClassesRequest): Promise<RiskClassesFound> {
    if (this.cached?.commit !== request.commit) {
      this.cached = { commit: request.commit, found: findRiskClasses(request) };
    }
    return this.cached.found;
  }
}

/** The steps (from → to) that have a gate depending on the risk class, in a stable order. */
export function stepsNeedingRisk(environments: readonly EnvironmentMetadata[]): Array<{ from: string; to: string }> {
  const keys = new Set<string>();
  for (const environment of environments) {
    for (const stage of environment.promotion) {
      if (stage.from !== undefined && stage.gates.some(isRiskDependentGate)) {
        keys.add(`${stage.from}\0${environment.name}`);
      }
    }
  }
  return [...keys].sort(compareCodeUnits).map((key) => {
    const [from, to] = key.split('\0');
    return { from, to };
  });
}

async function findRiskClasses(request: RiskClassesRequest): Promise<RiskClassesFound> {
  const riskClasses: PromotionRiskClass[] = [];
  const problems: string[] = [];
  for (const { from, to } of stepsNeedingRisk(request.environments)) {
    try {
      const outcome = await promote({
        repo: request.repo,
        branch: request.branch,
        fleet: request.fleet,
        dependencies: request.dependencies,
        applications: [],
        all: true,
        from,
        to,
        dryRun: true,
        automatic: false,
        forAnyPromoter: true,
        trust: request.trust,
        now: request.now,
      });
      for (const plan of outcome.plans) {
        riskClasses.push({ from, to, application: plan.application, image: plan.image, riskClass: plan.risk.riskClass });
      }
    } catch (error) {
      problems.push(`re-synthesizing ${to} with the images of ${from} failed: ${(error as Error).message}`);
    }
  }
  return { riskClasses, ...(problems.length === 0 ? {} : { notJudged: problems.join('; ') }) };
}
