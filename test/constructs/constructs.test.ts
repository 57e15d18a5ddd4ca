import { Duration } from 'cdk8s';
import { Application, Environment, Fleet, PromotionGate, PromotionPolicy, TimeWindow, Weekday } from '../../lib';

describe('constructs resolve their defaults once', () => {
  it('gives an environment its name as cluster and namespace, digest pinning on and only Namespace as cluster-scoped kind', () => {
    // GIVEN
    const fleet = new Fleet({ outdir: '/nonexistent' });
    // WHEN
    const environment = new Environment(fleet, 'staging');
    // THEN
    expect({
      cluster: environment.cluster,
      namespace: environment.namespace,
      namespaces: environment.namespaces,
      controlNamespace: environment.controlNamespace,
      requireImageDigest: environment.requireImageDigest,
      requireSignedCommits: environment.requireSignedCommits,
      allowedClusterScopedKinds: environment.allowedClusterScopedKinds,
    }).toEqual({
      cluster: 'staging',
      namespace: 'staging',
      namespaces: ['staging'],
      controlNamespace: 'staging',
      requireImageDigest: true,
      requireSignedCommits: false,
      allowedClusterScopedKinds: ['Namespace'],
    });
  });

  it('returns copies of collections so callers cannot change a construct behind its back', () => {
    // GIVEN
    const fleet = new Fleet({ outdir: '/nonexistent' });
    const application = new Application(fleet, 'web', { image: 'registry.example/web', config: { A: '1' } });
    // WHEN
    application.config.A = '2';
    // THEN
    expect(application.config).toEqual({ A: '1' });
  });

  it('lists environments and applications by name whatever the creation order', () => {
    // GIVEN
    const fleet = new Fleet({ outdir: '/nonexistent' });
    new Environment(fleet, 'prod');
    new Environment(fleet, 'dev');
    new Application(fleet, 'web', { image: 'registry.example/web' });
    new Application(fleet, 'api', { image: 'registry.example/api' });
    // THEN
    expect(fleet.environments.map((environment) => environment.environmentName)).toEqual(['dev', 'prod']);
    expect(fleet.applications.map((application) => application.applicationName)).toEqual(['api', 'web']);
  });

  it('gives later promotion stages a manual gate when none is given', () => {
    // GIVEN
    const fleet = new Fleet({ outdir: '/nonexistent' });
    const dev = new Environment(fleet, 'dev');
    const prod = new Environment(fleet, 'prod');
    // WHEN
    const policy = new PromotionPolicy(fleet, 'path', { stages: [{ environment: dev }, { environment: prod }] });
    // THEN
    expect(policy.stages.map((stage) => (stage.gates ?? []).map((gate) => gate._toRecord()))).toEqual([[], [{ type: 'manual' }]]);
  });

  it('records gates with their settings', () => {
    expect([
      PromotionGate.soak(Duration.hours(2)),
      PromotionGate.approvals(2, { from: ['bob', 'alice', 'bob'] }),
      PromotionGate.approvals(1, { excludePromoter: true }),
      PromotionGate.allowWindow(TimeWindow.weekly({ days: [Weekday.FRIDAY, Weekday.MONDAY], start: '09:00', end: '15:00', timeZone: 'Europe/Berlin' })),
      PromotionGate.denyWindow(TimeWindow.between('2026-12-20T00:00Z', '2027-01-04T00:00Z')),
    ].map((gate) => gate._toRecord())).toEqual([
      { type: 'soak', seconds: 7200 },
      { type: 'approvals', count: 2, from: ['alice', 'bob'] },
      { type: 'approvals', count: 1, excludePromoter: true },
      { type: 'allowWindow', window: { type: 'weekly', days: ['Mon', 'Fri'], start: '09:00', end: '15:00', timeZone: 'Europe/Berlin' } },
      { type: 'denyWindow', window: { type: 'between', start: '2026-12-20T00:00Z', end: '2027-01-04T00:00Z' } },
    ]);
  });
});

describe('constructors refuse mistakes one call already shows', () => {
  const fleetWith = () => {
    const fleet = new Fleet({ outdir: '/nonexistent' });
    return { fleet, dev: new Environment(fleet, 'dev'), prod: new Environment(fleet, 'prod') };
  };

  it.each<[string, () => unknown, string]>([
    ['an environment name that is not a DNS label', () => new Environment(new Fleet(), 'Prod_EU'),
      'Prod_EU: environment name "Prod_EU" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; rename the environment (its id names the env-repo folder)'],
    ['a namespace that is not a DNS label', () => new Environment(new Fleet(), 'dev', { namespace: 'Team.A' }),
      'dev: namespace "Team.A" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; pick a DNS-1123 label'],
    ['an application name that is not a DNS label', () => new Application(new Fleet(), 'Web', { image: 'x' }),
      'Web: application name "Web" must consist of lowercase letters a-z, digits 0-9 and "-", and start and end with a letter or digit; rename the application (its id names folders and objects)'],
    ['an application with neither image nor manifests', () => new Application(new Fleet(), 'web'),
      'web: application "web" has neither "image" nor "manifests"; give an image for the high-level form or a manifest factory'],
    ['a port out of range', () => new Application(new Fleet(), 'web', { image: 'x', port: 70000 }),
      'web: port 70000 is not a port; use a whole number from 1 to 65535'],
    ['an ingress without a port', () => new Application(new Fleet(), 'web', { image: 'x', ingress: {} }),
      'web: "ingress" needs "port"; give the container port the ingress should reach'],
    ['negative replicas', () => new Application(new Fleet(), 'web', { image: 'x', replicas: -1 }),
      'web: replicas -1 is not a replica count; use a whole number of 0 or more'],
    ['fractional replicas in an override', () => new Application(new Fleet(), 'web', { image: 'x', environments: { prod: { replicas: 1.5 } } }),
      'web: environments.prod: replicas 1.5 is not a replica count; use a whole number of 0 or more'],
    ['an ingress host that is not a DNS name', () => new Application(new Fleet(), 'web', { image: 'x', port: 80, ingress: { host: 'Shop Example' } }),
      'web: ingress.host: host "Shop Example" must consist of lowercase letters a-z, digits 0-9, "-" and ".", and start and end with a letter or digit; use a DNS name such as web.example.com'],
    ['a promotion path of one stage', () => { const { fleet, dev } = fleetWith(); return new PromotionPolicy(fleet, 'path', { stages: [{ environment: dev }] }); },
      'path: a promotion path needs at least two stages, got 1; list them in order, e.g. dev, staging, prod'],
    ['an environment twice in one path', () => { const { fleet, dev, prod } = fleetWith(); return new PromotionPolicy(fleet, 'path', { stages: [{ environment: dev }, { environment: prod }, { environment: dev }] }); },
      'path: environment "dev" appears at stages 1 and 3, which makes the path a cycle; list each environment once'],
    ['gates on the first stage', () => { const { fleet, dev, prod } = fleetWith(); return new PromotionPolicy(fleet, 'path', { stages: [{ environment: dev, gates: [PromotionGate.manual()] }, { environment: prod }] }); },
      'path: the first stage (dev) receives releases from CI and takes no gates; move the gates to a later stage'],
    ['zero approvals', () => PromotionGate.approvals(0), 'approvals gate: count 0 is not a whole number of at least 1'],
    ['more approvals than allowed identities', () => PromotionGate.approvals(3, { from: ['alice', 'bob'] }),
      'approvals gate: 3 approvals required but only 2 identities allowed (alice, bob); allow more identities or require fewer approvals'],
    ['a soak of no time', () => PromotionGate.soak(Duration.seconds(0)), 'soak gate: duration of 0 seconds is not positive; use e.g. Duration.hours(2)'],
    ['a weekly window ending before it starts', () => TimeWindow.weekly({ days: [Weekday.MONDAY], start: '16:00', end: '09:00' }),
      'weekly window: end 09:00 is not after start 16:00; a window cannot cross midnight, split it into two'],
    ['a weekly window with a bad time', () => TimeWindow.weekly({ days: [Weekday.MONDAY], start: '9am', end: '16:00' }),
      'weekly window: start "9am" is not a time of day; use HH:MM from 00:00 to 24:00'],
    ['an unknown time zone', () => TimeWindow.weekly({ days: [Weekday.MONDAY], start: '09:00', end: '16:00', timeZone: 'Mars/Olympus' }),
      'weekly window: time zone "Mars/Olympus" is unknown; use an IANA name such as Europe/Berlin or UTC'],
    ['a freeze that is not in UTC', () => TimeWindow.between('2026-12-20', '2027-01-04T00:00Z'),
      'time window: start "2026-12-20" is not an instant in UTC; use YYYY-MM-DDTHH:MMZ, e.g. 2026-12-20T00:00Z'],
  ])('fails on %s', (_case, create, message) => {
    expect(create).toThrow(new Error(message));
  });
});
