import { isDeepStrictEqual } from 'util';
import * as yaml from 'js-yaml';
import { toCanonicalYaml } from '../../lib/envrepo/canonical-yaml';

/**
 * Each case is a string value and the exact document written for `{ k: value }`.
 */
const SCALAR_CASES: ReadonlyArray<[string, string]> = [
  // Plain: unambiguous under both YAML 1.1 and YAML 1.2.
  ['nginx', 'k: nginx\n'],
  ['nginx:1.25', 'k: nginx:1.25\n'],
  ['registry.example.com/team/app@sha256:0a1b', 'k: registry.example.com/team/app@sha256:0a1b\n'],
  ['http://example.com:8080/path', 'k: http://example.com:8080/path\n'],
  ['app.kubernetes.io/name', 'k: app.kubernetes.io/name\n'],
  ['/var/run/secrets', 'k: /var/run/secrets\n'],
  ['512Mi', 'k: 512Mi\n'],
  ['100m', 'k: 100m\n'],
  ['v1', 'k: v1\n'],
  ['hello world', 'k: hello world\n'],
  ['a=b', 'k: a=b\n'],
  ['NaN', 'k: NaN\n'],
  ['Infinity', 'k: Infinity\n'],
  ['nullable', 'k: nullable\n'],
  ['yesterday', 'k: yesterday\n'],
  ['e', 'k: e\n'],
  // YAML 1.1 booleans and nulls, in any case.
  ['yes', 'k: "yes"\n'],
  ['No', 'k: "No"\n'],
  ['ON', 'k: "ON"\n'],
  ['off', 'k: "off"\n'],
  ['y', 'k: "y"\n'],
  ['Y', 'k: "Y"\n'],
  ['n', 'k: "n"\n'],
  ['True', 'k: "True"\n'],
  ['FALSE', 'k: "FALSE"\n'],
  ['yES', 'k: "yES"\n'],
  ['~', 'k: "~"\n'],
  ['null', 'k: "null"\n'],
  ['NULL', 'k: "NULL"\n'],
  ['', 'k: ""\n'],
  // Numbers in every notation either YAML version or Go's strconv accepts.
  ['0', 'k: "0"\n'],
  ['017', 'k: "017"\n'],
  ['0o17', 'k: "0o17"\n'],
  ['0x1F', 'k: "0x1F"\n'],
  ['0b1', 'k: "0b1"\n'],
  ['1e3', 'k: "1e3"\n'],
  ['e9', 'k: "e9"\n'],
  ['.5', 'k: ".5"\n'],
  ['-1', 'k: "-1"\n'],
  ['+1', 'k: "+1"\n'],
  ['1_000', 'k: "1_000"\n'],
  ['1:20', 'k: "1:20"\n'],
  ['1.2.3', 'k: "1.2.3"\n'],
  ['0x1p3', 'k: "0x1p3"\n'],
  ['.inf', 'k: ".inf"\n'],
  ['-.Inf', 'k: "-.Inf"\n'],
  ['.NaN', 'k: ".NaN"\n'],
  ['2001-12-14', 'k: "2001-12-14"\n'],
  ['2001-12-14T21:59:43.10-05:00', 'k: "2001-12-14T21:59:43.10-05:00"\n'],
  // Surrounding spaces, mapping and comment lookalikes, indicator characters.
  [' lead', 'k: " lead"\n'],
  ['trail ', 'k: "trail "\n'],
  ['a: b', 'k: "a: b"\n'],
  ['a #b', 'k: "a #b"\n'],
  ['key:', 'k: "key:"\n'],
  ['#x', 'k: "#x"\n'],
  ['-x', 'k: "-x"\n'],
  ['- x', 'k: "- x"\n'],
  ['---', 'k: "---"\n'],
  ['...', 'k: "..."\n'],
  [':x', 'k: ":x"\n'],
  ['?x', 'k: "?x"\n'],
  [',x', 'k: ",x"\n'],
  ['[x]', 'k: "[x]"\n'],
  ['{x}', 'k: "{x}"\n'],
  ['&x', 'k: "&x"\n'],
  ['*x', 'k: "*x"\n'],
  ['!x', 'k: "!x"\n'],
  ['|x', 'k: "|x"\n'],
  ['>x', 'k: ">x"\n'],
  ["'x", 'k: "\'x"\n'],
  ['"x', 'k: "\\"x"\n'],
  ['%x', 'k: "%x"\n'],
  ['@x', 'k: "@x"\n'],
  ['`x', 'k: "`x"\n'],
  ['<<', 'k: "<<"\n'],
  ['=', 'k: "="\n'],
  ['a,b', 'k: "a,b"\n'],
  ['a\\b', 'k: "a\\\\b"\n'],
  // Control, non-printable and non-ASCII characters.
  ['x\ty', 'k: "x\\ty"\n'],
  ['x\r\ny', 'k: "x\\r\\ny"\n'],
  ['\u0000', 'k: "\\u0000"\n'],
  ['\u001b', 'k: "\\u001b"\n'],
  ['\u007f', 'k: "\\u007f"\n'],
  ['\u0085', 'k: "\\u0085"\n'],
  ['\u2028', 'k: "\\u2028"\n'],
  ['\u2029', 'k: "\\u2029"\n'],
  ['\ufeff', 'k: "\\ufeff"\n'],
  ['\ud800', 'k: "\\ud800"\n'],
  ['é', 'k: "é"\n'],
  ['日本', 'k: "日本"\n'],
  ['\u{1f600}', 'k: "\u{1f600}"\n'],
  // Multi-line strings: literal blocks, or double quotes when a block cannot hold them.
  ['line\n', 'k: |\n  line\n'],
  ['a\nb', 'k: |-\n  a\n  b\n'],
  ['\nb', 'k: |-\n\n  b\n'],
  ['a\n\nb\n', 'k: |\n  a\n\n  b\n'],
  ['a\n  indented', 'k: |-\n  a\n    indented\n'],
  ['#!/bin/sh\necho "hi"\n', 'k: |\n  #!/bin/sh\n  echo "hi"\n'],
  ['\n', 'k: "\\n"\n'],
  [' lead\nline', 'k: " lead\\nline"\n'],
  ['trail \nline', 'k: "trail \\nline"\n'],
  ['tab\n\tline', 'k: "tab\\n\\tline"\n'],
  ['a\n\u0085b', 'k: "a\\n\\u0085b"\n'],
  ['tail\n\n', 'k: "tail\\n\\n"\n'],
];

const NUMBER_CASES: ReadonlyArray<[number, string]> = [
  [0, '0'],
  [-0, '0'],
  [42, '42'],
  [-7, '-7'],
  [1.5, '1.5'],
  [0.1 + 0.2, '0.30000000000000004'],
  [1e-7, '1e-7'],
  [2 ** 53, '9007199254740992'],
  [1e21, '1000000000000000000000'],
  [-1e21, '-1000000000000000000000'],
];

/**
 * Park-Miller generator: deterministic, and small enough that every product
 * stays an exact integer in a double.
 */
function seededRandom(seed: number): (limit: number) => number {
  let state = seed;
  return (limit) => {
    state = (state * 16807) % 2147483647;
    return state % limit;
  };
}

describe('toCanonicalYaml', () => {
  it('writes a Deployment in canonical form', () => {
    // GIVEN a Deployment whose keys were inserted in no particular order
    const deployment = {
      spec: {
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [
              {
                name: 'web',
                image: 'nginx:1.25.3',
                workingDir: undefined,
                volumeMounts: [],
                securityContext: {},
                resources: { requests: { memory: '64Mi', cpu: '250m' }, limits: { memory: '128Mi' } },
                readinessProbe: { timeoutSeconds: 1.5, periodSeconds: 10, httpGet: { port: 'http', path: '/healthz' } },
                ports: [{ protocol: 'TCP', name: 'http', containerPort: 80 }],
                env: [
                  { name: 'ENABLE_CACHE', value: 'true' },
                  { name: 'WORKERS', value: '4' },
                  { name: 'GREETING', value: 'hello world' },
                ],
                args: ['--config=/etc/web/config.yaml', '--verbose'],
              },
            ],
          },
          metadata: { labels: { app: 'web' }, annotations: { 'example.com/config': 'server:\n  port: 80\n' } },
        },
        selector: { matchLabels: { app: 'web' } },
        replicas: 3,
        paused: false,
      },
      status: null,
      metadata: { namespace: 'default', name: 'web', labels: { 'app.kubernetes.io/managed-by': 'stagecraft', 'app': 'web' } },
      kind: 'Deployment',
      apiVersion: 'apps/v1',
    };

    // WHEN
    const text = toCanonicalYaml(deployment);

    // THEN
    expect(text).toEqual([
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  labels:',
      '    app: web',
      '    app.kubernetes.io/managed-by: stagecraft',
      '  name: web',
      '  namespace: default',
      'spec:',
      '  paused: false',
      '  replicas: 3',
      '  selector:',
      '    matchLabels:',
      '      app: web',
      '  template:',
      '    metadata:',
      '      annotations:',
      '        example.com/config: |',
      '          server:',
      '            port: 80',
      '      labels:',
      '        app: web',
      '    spec:',
      '      containers:',
      '        - args:',
      '            - "--config=/etc/web/config.yaml"',
      '            - "--verbose"',
      '          env:',
      '            - name: ENABLE_CACHE',
      '              value: "true"',
      '            - name: WORKERS',
      '              value: "4"',
      '            - name: GREETING',
      '              value: hello world',
      '          image: nginx:1.25.3',
      '          name: web',
      '          ports:',
      '            - containerPort: 80',
      '              name: http',
      '              protocol: TCP',
      '          readinessProbe:',
      '            httpGet:',
      '              path: /healthz',
      '              port: http',
      '            periodSeconds: 10',
      '            timeoutSeconds: 1.5',
      '          resources:',
      '            limits:',
      '              memory: 128Mi',
      '            requests:',
      '              cpu: 250m',
      '              memory: 64Mi',
      '          securityContext: {}',
      '          volumeMounts: []',
      '      nodeSelector:',
      '        kubernetes.io/os: linux',
      '',
    ].join('\n'));
    // JSON drops the undefined working directory; the null status is dropped by hand.
    expect(yaml.load(text)).toEqual(JSON.parse(JSON.stringify({ ...deployment, status: undefined })));
  });

  it('writes keys in the same order regardless of insertion order', () => {
    // GIVEN the same object built in two different insertion orders
    const first = { kind: 'ConfigMap', apiVersion: 'v1', data: { b: '2', a: '1', c: { z: 1, x: 2 } }, metadata: { name: 'x' } };
    const second = { metadata: { name: 'x' }, data: { c: { x: 2, z: 1 }, a: '1', b: '2' }, apiVersion: 'v1', kind: 'ConfigMap' };

    // WHEN
    const firstText = toCanonicalYaml(first);
    const secondText = toCanonicalYaml(second);

    // THEN
    expect(firstText).toEqual('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "1"\n  b: "2"\n  c:\n    x: 2\n    z: 1\n');
    expect(secondText).toEqual(firstText);
  });

  it('puts apiVersion, kind and metadata first at the top level only', () => {
    // GIVEN nested maps that use the same key names
    const object = { spec: { metadata: 1, kind: 2, apiVersion: 3, data: 4 }, data: 5, metadata: { kind: 6, apiVersion: 7 }, apiVersion: 'v1' };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('apiVersion: v1\nmetadata:\n  apiVersion: 7\n  kind: 6\ndata: 5\nspec:\n  apiVersion: 3\n  data: 4\n  kind: 2\n  metadata: 1\n');
  });

  it('sorts keys by UTF-16 code units rather than by locale', () => {
    // GIVEN keys whose code unit order differs from locale and code point order
    const object = { '\uff01': 1, 'b': 2, 'é': 3, '\u{1f600}': 4, 'B': 5, '9': 6, '10': 7, 'a': 8, '_': 9 };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('"10": 7\n"9": 6\nB: 5\n"_": 9\na: 8\nb: 2\n"é": 3\n"\u{1f600}": 4\n"\uff01": 1\n');
  });

  it('drops null and undefined map values but keeps null sequence items', () => {
    // GIVEN
    const object = { a: null, b: undefined, c: [null, undefined, 1], d: { e: null } };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('c:\n  - null\n  - null\n  - 1\nd: {}\n');
  });

  it('writes empty maps and sequences in flow style', () => {
    // GIVEN
    const object = { map: {}, list: [], nested: [{}, []] };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('list: []\nmap: {}\nnested:\n  - {}\n  - []\n');
  });

  it('indents sequences under map keys and puts the first key of a map item on the dash line', () => {
    // GIVEN
    const object = { ports: [{ name: 'http', port: 80, extra: { a: [1] } }, { name: 'https', port: 443 }] };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual([
      'ports:',
      '  - extra:',
      '      a:',
      '        - 1',
      '    name: http',
      '    port: 80',
      '  - name: https',
      '    port: 443',
      '',
    ].join('\n'));
  });

  it('writes nested sequences starting on the dash line', () => {
    // GIVEN
    const object = { matrix: [[1, 2], [[3], { a: 4 }]] };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('matrix:\n  - - 1\n    - 2\n  - - - 3\n    - a: 4\n');
    expect(yaml.load(text)).toEqual(object);
  });

  it('writes booleans as true and false', () => {
    // GIVEN
    const object = { enabled: true, paused: false };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('enabled: true\npaused: false\n');
  });

  it.each(SCALAR_CASES)('writes the string %j as %j', (value, expected) => {
    // GIVEN
    const object = { k: value };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual(expected);
  });

  it.each(SCALAR_CASES)('reads back the string %j unchanged with js-yaml as a value, a key and a sequence item', (value) => {
    // GIVEN
    const asValue = { k: value, after: 1 };
    const asKey = { [value]: 'v' };
    const asItem = { k: [value, value] };

    // WHEN
    const texts = [toCanonicalYaml(asValue), toCanonicalYaml(asKey), toCanonicalYaml(asItem)];

    // THEN
    expect(texts.map((text) => yaml.load(text))).toEqual([asValue, asKey, asItem]);
  });

  it.each(NUMBER_CASES)('writes the number %p as %s', (value, expected) => {
    // GIVEN
    const object = { value };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual(`value: ${expected}\n`);
    // Negative zero is written as 0, so it reads back as positive zero.
    expect(yaml.load(text)).toEqual({ value: value === 0 ? 0 : value });
  });

  it('quotes map keys by the same rules as values', () => {
    // GIVEN keys that YAML 1.1 or 1.2 would read as something other than a string
    const object = { 'on': 1, '': 2, 'a: b': 3, '8080': 4, 'line\nbreak': 5, 'plain key': 6 };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('"": 2\n"8080": 4\n"a: b": 3\n"line\\nbreak": 5\n"on": 1\nplain key: 6\n');
    expect(yaml.load(text)).toEqual(object);
  });

  it('writes keys longer than 1000 characters in the explicit key form', () => {
    // GIVEN keys too long for an implicit key in go-yaml
    const longKey = 'k'.repeat(1001);
    const object = { a: { [longKey]: 'v' }, list: [{ [longKey]: { x: 1 } }] };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual(`a:\n  ? ${longKey}\n  : v\nlist:\n  - ? ${longKey}\n    :\n      x: 1\n`);
    expect(yaml.load(text)).toEqual(object);
  });

  it('writes multi-line strings as literal blocks with the chomping indicator matching the trailing newlines', () => {
    // GIVEN strings with no, one and two trailing newlines
    const object = { a: 'x\ny', b: 'x\ny\n', c: 'x\ny\n\n', d: 'end' };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('a: |-\n  x\n  y\nb: |\n  x\n  y\nc: |+\n  x\n  y\n\nd: end\n');
    expect(yaml.load(text)).toEqual(object);
  });

  it('falls back to double quotes for keep chomping at the end of the document so it ends with one newline', () => {
    // GIVEN a string with two trailing newlines as the very last value
    const object = { a: 'x\n\n', b: { c: ['y\n\n'] } };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('a: |+\n  x\n\nb:\n  c:\n    - "y\\n\\n"\n');
    expect(yaml.load(text)).toEqual(object);
  });

  it('indents literal blocks relative to the key or dash that owns them', () => {
    // GIVEN multi-line strings inside sequences and sequence item maps
    const object = { items: ['a\nb', { script: 'echo 1\necho 2\n' }] };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('items:\n  - |-\n    a\n    b\n  - script: |\n      echo 1\n      echo 2\n');
    expect(yaml.load(text)).toEqual(object);
  });

  it('writes top-level sequences and scalars', () => {
    // GIVEN
    const values: unknown[] = [['a', { b: 1 }], [], {}, 'yes', 'multi\nline\n', 3, null];

    // WHEN
    const texts = values.map((value) => toCanonicalYaml(value));

    // THEN
    expect(texts).toEqual(['- a\n- b: 1\n', '[]\n', '{}\n', '"yes"\n', '|\n  multi\n  line\n', '3\n', 'null\n']);
  });

  it('writes shared references in full instead of as aliases', () => {
    // GIVEN one object referenced twice
    const labels = { app: 'web' };
    const object = { a: labels, b: labels };

    // WHEN
    const text = toCanonicalYaml(object);

    // THEN
    expect(text).toEqual('a:\n  app: web\nb:\n  app: web\n');
  });

  it('accepts objects without a prototype', () => {
    // GIVEN
    const object = Object.assign(Object.create(null) as Record<string, unknown>, { name: 'x' });

    // WHEN
    const text = toCanonicalYaml({ metadata: object });

    // THEN
    expect(text).toEqual('metadata:\n  name: x\n');
  });

  it('reads back every generated tricky string unchanged with js-yaml', () => {
    // GIVEN strings assembled from fragments that stress quoting and block rules
    const fragments = [
      'a', 'Z', 'y', 'n', '0', '1', 'e', 'x', 'b', 'p', '.', '_', ':', '+', '-', ' ', '#', '\n', '\t', '\r', '"', "'",
      '\\', '/', '@', '=', '?', ',', '[', '{', '&', '*', '!', '|', '>', '%', '`', '~', 'é', '日', '\u0085', '\u2028',
      '\u007f', '\ufeff', '\u0000', '\u{1f600}', '.inf', 'true', 'null', 'yes', '1:20', '0x', '2001-12-14',
    ];
    const random = seededRandom(20240601);
    const values: string[] = [];
    for (let count = 0; count < 3000; count++) {
      let value = '';
      const length = random(7);
      for (let index = 0; index < length; index++) {
        value += fragments[random(fragments.length)];
      }
      values.push(value);
    }

    // WHEN
    const mismatches = values.filter((value) => {
      const object = { k: value, [value]: [value], z: value };
      const text = toCanonicalYaml(object);
      const wellFormed = text.endsWith('\n') && !text.endsWith('\n\n') && !text.includes(' \n') && !text.includes('\r');
      return !wellFormed || !isDeepStrictEqual(yaml.load(text), object);
    });

    // THEN
    expect(mismatches).toEqual([]);
  });

  it('returns identical text on repeated calls', () => {
    // GIVEN
    const object = { metadata: { name: 'x', labels: { b: '1', a: '2' } }, data: { script: 'a\nb\n\n', n: 1.25 } };

    // WHEN
    const texts = [toCanonicalYaml(object), toCanonicalYaml(object), toCanonicalYaml(structuredClone(object))];

    // THEN
    expect(new Set(texts).size).toEqual(1);
  });

  it.each<[string, unknown, string]>([
    ['NaN', { spec: { replicas: NaN } }, 'cannot write non-finite number at spec.replicas: NaN'],
    ['Infinity', { spec: { replicas: Infinity } }, 'cannot write non-finite number at spec.replicas: Infinity'],
    ['-Infinity', { items: [1, -Infinity] }, 'cannot write non-finite number at items[1]: -Infinity'],
    ['a key that is not an identifier', { metadata: { annotations: { 'example.com/x': NaN } } }, 'cannot write non-finite number at metadata.annotations["example.com/x"]: NaN'],
    ['a non-finite document', NaN, 'cannot write non-finite number at <root>: NaN'],
  ])('fails for a non-finite number (%s) naming the key path', (_description, value, message) => {
    // WHEN / THEN
    expect(() => toCanonicalYaml(value)).toThrow(new Error(message));
  });

  it.each<[string, unknown, string]>([
    ['a function', { spec: { containers: [{ probe: () => 1 }] } }, 'cannot write function at spec.containers[0].probe'],
    ['a symbol', { metadata: { uid: Symbol('uid') } }, 'cannot write symbol at metadata.uid'],
    ['a bigint', { spec: { replicas: BigInt(3) } }, 'cannot write bigint at spec.replicas'],
    ['a Date', { metadata: { creationTimestamp: new Date(0) } }, 'cannot write instance of Date at metadata.creationTimestamp'],
    ['a Map', { data: new Map([['a', 'b']]) }, 'cannot write instance of Map at data'],
    ['a class instance', { spec: new (class Port {})() }, 'cannot write instance of Port at spec'],
    ['an undefined document', undefined, 'cannot write undefined at <root>'],
  ])('fails for %s naming the key path and the type', (_description, value, message) => {
    // WHEN / THEN
    expect(() => toCanonicalYaml(value)).toThrow(new Error(message));
  });

  it('fails for circular references naming where the cycle closes', () => {
    // GIVEN a map and a sequence that contain themselves
    const spec: Record<string, unknown> = { replicas: 1 };
    spec.self = spec;
    const list: unknown[] = [];
    list.push(list);

    // WHEN / THEN
    expect(() => toCanonicalYaml({ spec })).toThrow(new Error('cannot write circular reference at spec.self'));
    expect(() => toCanonicalYaml({ items: list })).toThrow(new Error('cannot write circular reference at items[0]'));
  });
});
