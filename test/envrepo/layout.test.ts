import { EnvRepoLayout } from '../../lib';

describe('the env-repo layout (format v2)', () => {
  it.each<[string, string]>([
    [EnvRepoLayout.objectPath('prod', 'Deployment', 'web', 'web'), 'prod/web/deployment.web.yaml'],
    [EnvRepoLayout.objectPath('prod', 'CustomResourceDefinition', 'gadgets.example.com'), 'prod/_cluster/customresourcedefinition.gadgets.example.com.yaml'],
    [EnvRepoLayout.lockPath('prod'), 'prod/.stagecraft/lock.json'],
    [EnvRepoLayout.environmentMetadataPath('prod'), 'prod/.stagecraft/environment.json'],
    [EnvRepoLayout.releasesPath('prod'), 'releases/prod.yaml'],
  ])('places %s', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('names the format version and the construct-path annotation', () => {
    expect({ version: EnvRepoLayout.FORMAT_VERSION, annotation: EnvRepoLayout.CONSTRUCT_PATH_ANNOTATION })
      .toEqual({ version: 2, annotation: 'stagecraft.dev/construct-path' });
  });
});
