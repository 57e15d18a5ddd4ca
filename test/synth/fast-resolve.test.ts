import { ApiObject, App, Chart, Lazy, ResolutionContext } from 'cdk8s';
import * as resolveModule from 'cdk8s/lib/resolve';
import * as kplus from 'cdk8s-plus-28';
import { hasDefaultResolvers, resolveWithDefaults, withFastResolve } from '../../lib/synth/private/fast-resolve';

/** A class instance carrying a union value, the shape cdk8s import generates for IntOrString and Quantity. */
class Union {
  constructor(public readonly value: unknown) {}
}

/** Something with a resolve() method: an implicit token. */
class Token {
  constructor(private readonly produced: unknown) {}
  public resolve(): unknown {
    return this.produced;
  }
}

function objectWith(scope: Chart, id: string, spec: unknown): ApiObject {
  return new ApiObject(scope, id, { apiVersion: 'example.test/v1', kind: 'Sample', metadata: { name: id }, spec });
}

/** toJson() of every object, once the stock way and once inside withFastResolve. */
function bothWays(objects: readonly ApiObject[]): { stock: unknown[]; fast: unknown[] } {
  const stock = objects.map((object) => object.toJson());
  const fast = withFastResolve(() => objects.map((object) => object.toJson()));
  return { stock, fast };
}

describe('fast resolve gives what cdk8s resolve gives', () => {
  it('resolves Lazy, tokens, unions, arrays and plain objects exactly like cdk8s', () => {
    // GIVEN values of every shape the default resolvers treat differently
    const chart = new Chart(new App(), 'chart');
    const objects = [
      objectWith(chart, 'lazy', Lazy.any({ produce: () => ({ nested: Lazy.any({ produce: () => [1, Lazy.any({ produce: () => 'two' })] }) }) })),
      objectWith(chart, 'token', { replicas: new Token(new Token({ deep: new Union(3) })) }),
      objectWith(chart, 'unions', { port: new Union(8080), memory: new Union('1Gi'), plain: { value: 7 } }),
      objectWith(chart, 'arrays', { items: [null, undefined, 0, '', false, [], {}, [[new Union('x')]]] }),
      objectWith(chart, 'scalars', { a: 'text', b: 0, c: -1.5, d: true, e: null, f: undefined }),
      objectWith(chart, 'kplus-values', { port: kplus.k8s.IntOrString.fromNumber(80), cpu: kplus.k8s.Quantity.fromString('250m') }),
    ];

    // WHEN
    const { stock, fast } = bothWays(objects);

    // THEN
    expect(fast).toEqual(stock);
    expect((fast[2] as any).spec).toEqual({ port: { value: 8080 }, memory: { value: '1Gi' }, plain: { value: 7 } });
  });

  it('renders cdk8s-plus Deployments, Services and ConfigMaps to the same JSON', () => {
    // GIVEN the high-level constructs stagecraft renders, with probes, resources, env and ports
    const chart = new Chart(new App(), 'shop', { namespace: 'shop', disableResourceNameHashes: true });
    const config = new kplus.ConfigMap(chart, 'config', { metadata: { name: 'web' }, data: { MODE: 'fast' } });
    const deployment = new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      replicas: 3,
      containers: [{
        image: 'registry.example/web@sha256:' + 'a'.repeat(64),
        portNumber: 8080,
        envFrom: [kplus.Env.fromConfigMap(config)],
        envVariables: { LEVEL: kplus.EnvValue.fromValue('debug') },
        readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
        resources: { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(500) } },
      }],
    });
    deployment.exposeViaService({ name: 'web', ports: [{ port: 80, targetPort: 8080 }] });
    const objects = chart.node.findAll().filter((construct): construct is ApiObject => ApiObject.isApiObject(construct));

    // WHEN
    const { stock, fast } = bothWays(objects);

    // THEN
    expect(objects.map((object) => object.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Service']);
    expect(fast).toEqual(stock);
  });

  it('throws the same error for a value cdk8s cannot render', () => {
    // GIVEN a class instance whose value is not a number or string: kept as is, then refused by sanitize
    const object = objectWith(new Chart(new App(), 'chart'), 'bad', { thing: new Union({ nested: true }) });

    // WHEN / THEN
    let stockError: unknown;
    try {
      object.toJson();
    } catch (error) {
      stockError = error;
    }
    expect(() => withFastResolve(() => object.toJson())).toThrow((stockError as Error).message);
    expect((stockError as Error).message).toContain("can't render non-simple object of type 'Union'");
  });

  it('leaves an App with resolvers of its own to cdk8s, which passes them the key path', () => {
    // GIVEN a custom resolver that looks at the key it is given
    const seenKeys: string[] = [];
    const app = new App({
      resolvers: [{
        resolve: (context: ResolutionContext) => {
          seenKeys.push(context.key.join('.'));
          if (context.value === 'REPLACE') {
            context.replaceValue('replaced');
          }
        },
      }],
    });
    const object = objectWith(new Chart(app, 'chart'), 'custom', { a: { b: 'REPLACE' } });

    // WHEN
    const fast = withFastResolve(() => object.toJson());

    // THEN
    expect(hasDefaultResolvers(app.resolvers)).toBe(false);
    expect(fast.spec).toEqual({ a: { b: 'replaced' } });
    expect(seenKeys).toContain('spec.a.b');
    expect(fast).toEqual(object.toJson());
  });

  it('recognises the default resolvers of a plain App', () => {
    expect(hasDefaultResolvers(new App().resolvers)).toBe(true);
    expect(resolveWithDefaults(undefined)).toBeUndefined();
    expect(resolveWithDefaults(null)).toBeNull();
  });

  it('puts cdk8s resolve back afterwards, also when the work throws, and does not wrap twice', () => {
    // GIVEN
    const original = resolveModule.resolve;
    let inner: unknown;

    // WHEN
    withFastResolve(() => withFastResolve(() => {
      inner = resolveModule.resolve;
    }));
    expect(() => withFastResolve(() => {
      throw new Error('boom');
    })).toThrow('boom');

    // THEN
    expect(inner).not.toBe(original);
    expect(resolveModule.resolve).toBe(original);
  });
});
