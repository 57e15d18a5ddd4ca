import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Application, Environment, Fleet, IManifestFactory, PromotionPolicy, RenderContext } from '../../lib';
import { readEnvironment, TreeVerificationError } from '../../lib/envrepo/read-environment';
import { SynthError } from '../../lib/synth/synth-error';
import { fakeDigest, scratchFleet } from '../support/fleets';

const WEB = `registry.example/web@sha256:${fakeDigest('web')}`;

/** A manifest factory from a function, for tests. */
function factory(produce: (scope: Construct, context: RenderContext) => void): IManifestFactory {
  return { produce };
}

interface Case {
  readonly releases?: Record<string, Record<string, string>>;
  readonly build: (fleet: Fleet) => void;
  readonly problems: string[];
}

const CASES: Record<string, Case> = {
  'a non-DNS-1123 object name': {
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'jobs', {
        manifests: factory((scope) => new ApiObject(scope, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } })),
      });
    },
    problems: ['dev/jobs/bad (ConfigMap/dev/Bad_Name): name "Bad_Name" must consist of lowercase letters a-z, digits 0-9, "-" and ".", and start and end with a letter or digit (DNS-1123); rename the object'],
  },
  'a duplicate object identity in one environment': {
    releases: { dev: { web: WEB } },
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web', config: { A: '1' } });
      new Application(fleet, 'extras', {
        manifests: factory((scope) => new kplus.ConfigMap(scope, 'config', { metadata: { name: 'web' } })),
      });
    },
    problems: ['dev/web/config/Resource (ConfigMap/dev/web): same object as dev/extras/config/Resource in environment "dev"; give one of them another metadata.name'],
  },
  'a namespace outside the environment': {
    build: (fleet) => {
      new Environment(fleet, 'dev', { additionalNamespaces: ['dev-jobs'] });
      new Application(fleet, 'jobs', {
        manifests: factory((scope) => new kplus.ConfigMap(scope, 'config', { metadata: { name: 'settings', namespace: 'kube-system' } })),
      });
    },
    problems: ['dev/jobs/config/Resource (ConfigMap/kube-system/settings): namespace "kube-system" is outside environment "dev" (allowed: dev, dev-jobs); put the object in one of those or add the namespace with additionalNamespaces'],
  },
  'a cluster-scoped kind the environment does not allow': {
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'rbac', {
        manifests: factory((scope) => new ApiObject(scope, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } })),
      });
    },
    problems: ['dev/rbac/role (ClusterRole/reader): cluster-scoped kind ClusterRole is not allowed in environment "dev" (allowed: Namespace); add it to allowedClusterScopedKinds or remove the object'],
  },
  'plaintext Secret data': {
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'db', {
        manifests: factory((scope) => new kplus.Secret(scope, 'secret', { metadata: { name: 'db' }, stringData: { password: 'hunter2', user: 'app' } })),
      });
    },
    problems: ['dev/db/secret/Resource (Secret/dev/db): holds plaintext secret data (keys: password, user) that would be committed to git; use a reference type instead, such as an ExternalSecret (external-secrets.io) or a SealedSecret (bitnami.com)'],
  },
  'a released image not pinned by digest': {
    releases: { prod: { web: 'registry.example/web:1.4.0' } },
    build: (fleet) => {
      new Environment(fleet, 'prod');
      new Application(fleet, 'web', { image: 'registry.example/web' });
    },
    problems: [
      'releases/prod.yaml: applications.web.image: "registry.example/web:1.4.0" is not pinned by digest but environment "prod" requires it; release it as registry.example/web@sha256:<digest>',
      'prod/web/deployment/Resource (Deployment/prod/web): image not pinned by digest (web=registry.example/web:1.4.0) but environment "prod" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false',
    ],
  },
  'an image from the escape hatch not pinned by digest': {
    build: (fleet) => {
      new Environment(fleet, 'prod');
      new Application(fleet, 'cache', {
        manifests: factory((scope) => new kplus.Deployment(scope, 'redis', { metadata: { name: 'redis' }, containers: [{ name: 'redis', image: 'redis:7' }] })),
      });
    },
    problems: ['prod/cache/redis/Resource (Deployment/prod/redis): image not pinned by digest (redis=redis:7) but environment "prod" requires it; release the image as repo@sha256:<digest> or set requireImageDigest: false'],
  },
  'a release of another repository': {
    releases: { dev: { web: `registry.example/other@sha256:${fakeDigest('other')}` } },
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web' });
    },
    problems: [`releases/dev.yaml: applications.web.image: "registry.example/other@sha256:${fakeDigest('other')}" is not from repository "registry.example/web" declared by web; release an image of that repository or change the application's image`],
  },
  'a release for an unknown application': {
    releases: { dev: { web: WEB, wbe: WEB } },
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web' });
    },
    problems: ['releases/dev.yaml: release for unknown application "wbe" in environment "dev" (known: web); remove the entry or add the application'],
  },
  'a release for an unknown environment': {
    releases: { qa: { web: WEB } },
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web' });
    },
    problems: ['releases/qa.yaml: release for unknown environment "qa" (known: dev); rename the file or add the environment to the fleet'],
  },
  'overrides for an unknown environment': {
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web', environments: { prd: { replicas: 3 } } });
    },
    problems: ['web: overrides for unknown environment "prd" (known: dev); fix the name or add the environment'],
  },
  'an unknown environment in a policy': {
    build: (fleet) => {
      const dev = new Environment(fleet, 'dev');
      const stranger = new Environment(new Fleet(), 'qa');
      new PromotionPolicy(fleet, 'path', { stages: [{ environment: dev }, { environment: stranger }] });
    },
    problems: ['path: stage environment "qa" is not an environment of this fleet (known: dev); use an Environment created in this fleet'],
  },
  'a promotion cycle across policies': {
    build: (fleet) => {
      const dev = new Environment(fleet, 'dev');
      const staging = new Environment(fleet, 'staging');
      const prod = new Environment(fleet, 'prod');
      new PromotionPolicy(fleet, 'forward', { stages: [{ environment: dev }, { environment: staging }, { environment: prod }] });
      new PromotionPolicy(fleet, 'backward', { stages: [{ environment: prod }, { environment: dev }] });
    },
    problems: ['fleet: promotion policies form a cycle dev → staging → prod → dev; promotions must flow one way, remove one of these steps'],
  },
  'a releases file that is not valid yaml': {
    build: (fleet) => {
      new Environment(fleet, 'dev');
      new Application(fleet, 'web', { image: 'registry.example/web' });
      fs.writeFileSync(path.join(fleet.releasesDirectory, 'dev.yaml'), 'applications:\n  web: [\n');
    },
    problems: ['releases/dev.yaml: invalid yaml: unexpected end of the stream within a flow collection (3:1)'],
  },
};

/** The SynthError fleet.synth() threw; fails the test when it wrote instead. */
function synthRefusal(fleet: Fleet): SynthError {
  try {
    fleet.synth();
  } catch (caught) {
    expect(caught).toBeInstanceOf(SynthError);
    return caught as SynthError;
  }
  throw new Error('synth wrote the tree');
}

describe('synth validates everything before it writes anything', () => {
  it.each(Object.entries(CASES))('fails on %s', (_name, testCase) => {
    // GIVEN
    const { fleet, outdir } = scratchFleet(testCase.releases);
    testCase.build(fleet);
    // WHEN
    const error = synthRefusal(fleet);
    // THEN
    expect(error.problems).toEqual(testCase.problems);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('lists every problem at once, with a count, in the message', () => {
    // GIVEN
    const { fleet } = scratchFleet({ qa: { web: WEB } });
    new Environment(fleet, 'dev');
    new Application(fleet, 'web', { image: 'registry.example/web', environments: { prd: {} } });
    // THEN
    expect(() => fleet.synth()).toThrow(
      'stagecraft synth found 2 problems; nothing was written:\n'
      + '  - web: overrides for unknown environment "prd" (known: dev); fix the name or add the environment\n'
      + '  - releases/qa.yaml: release for unknown environment "qa" (known: dev); rename the file or add the environment to the fleet',
    );
  });
});

/** Every file of `<outdir>/<environment>/` as repo-relative path → bytes. */
function writtenFiles(outdir: string, environment: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const file of fs.readdirSync(path.join(outdir, environment), { recursive: true, encoding: 'utf8' })) {
    const absolute = path.join(outdir, environment, file);
    if (fs.statSync(absolute).isFile()) {
      files.set(`${environment}/${file}`, fs.readFileSync(absolute));
    }
  }
  return files;
}

/** A fleet whose environment.json carries `applications` configurations of 900 KiB each (4 MiB per 4.5 applications). */
function bigConfigFleet(applications: number): { fleet: Fleet; outdir: string } {
  const releases = Object.fromEntries(Array.from({ length: applications }, (_unused, index) => [`app-${index}`, WEB]));
  const { fleet, outdir } = scratchFleet({ dev: releases });
  new Environment(fleet, 'dev');
  for (let index = 0; index < applications; index++) {
    new Application(fleet, `app-${index}`, { image: 'registry.example/web', config: { BIG: 'x'.repeat(900 * 1024) } });
  }
  return { fleet, outdir };
}

describe('synth refuses what a reader would refuse, with the same message', () => {
  const METADATA_REFUSAL = /^dev\/\.stagecraft\/environment\.json: (\d+) bytes, over the limit of (\d+) bytes per metadata file; split the environment \(fewer applications or objects\) or raise the metadata-file limit$/;

  it('writes an environment.json over 1 MiB, and every reader reads it', () => {
    // GIVEN
    const { fleet, outdir } = bigConfigFleet(4);
    // WHEN
    fleet.synth();
    const files = writtenFiles(outdir, 'dev');
    const tree = readEnvironment('dev', files);
    // THEN
    expect(files.get('dev/.stagecraft/environment.json')!.byteLength).toBeGreaterThan(3 * 1024 * 1024);
    expect(tree.metadata.applications.length).toBe(4);
  });

  it('refuses an environment.json over the metadata-file limit before writing, as a reader words it', () => {
    // GIVEN: 19 × 900 KiB of configuration in environment.json, over 16 MiB
    const { fleet, outdir } = bigConfigFleet(19);
    // WHEN
    const problems = synthRefusal(fleet).problems;
    // THEN
    expect(problems).toHaveLength(1);
    const [, size, limit] = METADATA_REFUSAL.exec(problems[0])!;
    expect({ over: Number(size) > 16 * 1024 * 1024, limit: Number(limit) }).toEqual({ over: true, limit: 16 * 1024 * 1024 });
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('words the reader\'s refusal of a metadata file the same way', () => {
    // GIVEN: a tree synth wrote, read with a metadata-file limit below its environment.json
    const { fleet, outdir } = bigConfigFleet(2);
    fleet.synth();
    const files = writtenFiles(outdir, 'dev');
    // WHEN
    let error: unknown;
    try {
      readEnvironment('dev', files, { maxMetadataFileBytes: 1024 * 1024 });
    } catch (caught) {
      error = caught;
    }
    // THEN
    expect(error).toBeInstanceOf(TreeVerificationError);
    expect((error as TreeVerificationError).problems).toEqual([
      `dev/.stagecraft/environment.json: ${files.get('dev/.stagecraft/environment.json')!.byteLength} bytes, over the limit of 1048576 bytes per metadata file; split the environment (fewer applications or objects) or raise the metadata-file limit`,
    ]);
    expect((error as TreeVerificationError).problems[0]).toMatch(METADATA_REFUSAL);
  });
});
