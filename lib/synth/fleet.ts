import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { synthesizeFleetToDirectory } from './synthesize';
import { Application } from '../constructs/application';
import { Environment } from '../constructs/environment';
import { PromotionPolicy } from '../constructs/promotion-policy';
import { compareCodeUnits } from '../envrepo/names';

/**
 * Settings of a fleet.
 */
export interface FleetProps {
  /**
   * Folder the env-repo tree is written to by `synth()`.
   * @default - `$CDK8S_OUTDIR` when set (as `cdk8s synth` and `stagecraft synth` do), else "dist"
   */
  readonly outdir?: string;

  /**
   * Folder holding `releases/<env>.yaml`, relative to the working directory.
   * @default "releases"
   */
  readonly releasesDirectory?: string;

  /**
   * Commit of the fleet program, recorded in each lock file.
   * @default - not recorded
   */
  readonly sourceCommit?: string;

  /**
   * Worker threads that render a share of the fleet in parallel. Each runs the fleet program again (it
   * must be a plain JavaScript main module and deterministic); output is byte-identical either way.
   * `0` renders everything on the main thread.
   * @default 0
   */
  readonly synthWorkers?: number;
}

const FLEET_SYMBOL = Symbol.for('stagecraft.Fleet');

/**
 * Root of one delivery setup: owns environments, applications and promotion policies, and synthesizes
 * them into an env repo. A cdk8s `App`, so `cdk8s synth` runs it as it runs any cdk8s program.
 */
export class Fleet extends App {
  /** Whether `x` is a Fleet (works across copies of this library). */
  public static isFleet(x: unknown): x is Fleet {
    return x !== null && typeof x === 'object' && FLEET_SYMBOL in (x as object);
  }

  /** The fleet a construct belongs to. */
  public static containing(construct: IConstruct): Fleet {
    const root = construct.node.root;
    if (!Fleet.isFleet(root)) {
      throw new Error(`${construct.node.path || '<root>'}: not inside a Fleet; create environments, applications and policies with a Fleet as their scope`);
    }
    return root;
  }

  public readonly releasesDirectory: string;
  public readonly sourceCommit?: string;
  public readonly synthWorkers?: number;

  constructor(props: FleetProps = {}) {
    super({ outdir: props.outdir });
    Object.defineProperty(this, FLEET_SYMBOL, { value: true });
    this.releasesDirectory = props.releasesDirectory ?? 'releases';
    this.sourceCommit = props.sourceCommit;
    if (props.synthWorkers !== undefined && (!Number.isInteger(props.synthWorkers) || props.synthWorkers < 0)) {
      throw new Error(`fleet: synthWorkers ${props.synthWorkers} is not a whole number of 0 or more`);
    }
    this.synthWorkers = props.synthWorkers;
  }

  /** The fleet's environments, ordered by name. */
  public get environments(): Environment[] {
    return this.node.children.filter(Environment.isEnvironment).sort(byName((e) => e.environmentName));
  }

  /** The fleet's applications, ordered by name. */
  public get applications(): Application[] {
    return this.node.children.filter(Application.isApplication).sort(byName((a) => a.applicationName));
  }

  /** The fleet's promotion policies, ordered by name. */
  public get promotionPolicies(): PromotionPolicy[] {
    return this.node.children.filter(PromotionPolicy.isPromotionPolicy).sort(byName((p) => p.policyName));
  }

  /**
   * Validates the whole fleet, then writes the env-repo tree (format v1) to `outdir`: only files whose bytes
   * change are rewritten and stale files are deleted only inside environment folders this fleet owns.
   * Throws, before writing anything, when any validation fails. With `$STAGECRAFT_SYNTH_ENVIRONMENTS` set
   * (names separated by commas) it still validates the whole fleet and every releases file, but renders and
   * writes only those environments and leaves every other file as it is; a name the fleet does not have is
   * an error, before anything is written.
   */
  public synth(): void {
    const report = synthesizeFleetToDirectory(this, this.outdir);
    if (report !== undefined) {
      process.stderr.write(`${report.summary}\n`);
    }
  }
}

function byName<T>(name: (item: T) => string): (left: T, right: T) => number {
  return (left, right) => compareCodeUnits(name(left), name(right));
}
