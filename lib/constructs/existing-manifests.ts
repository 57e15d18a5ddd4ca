import * as fs from 'fs';
import * as path from 'path';
import { Include } from 'cdk8s';
import { Construct } from 'constructs';
import { IManifestFactory, RenderContext } from './manifest-factory';
import { compareCodeUnits } from '../envrepo/names';

/**
 * Existing Kubernetes YAML brought into an application as it is (for teams that migrate): every `.yaml` /
 * `.yml` file of a folder, read at synth time, each document one object. The objects go through the same
 * rules as everything else synth writes (namespaces of the environment, allowed cluster-scoped kinds, no
 * plaintext Secrets, images pinned by digest where required, names, annotations) and get the environment's
 * default namespace when they name none. Use it as an application's `manifests`, or call `produce` from a
 * factory of your own to add generated objects next to them.
 *
 * @example
 * new Application(fleet, 'legacy', { manifests: ExistingManifests.fromDirectory('manifests/legacy') });
 */
export class ExistingManifests implements IManifestFactory {
  /**
   * The YAML files directly in `directory` (not its subfolders), in file-name order (code points).
   * @param directory folder of YAML files, relative to the working directory of synth (the fleet program's folder)
   */
  public static fromDirectory(directory: string): ExistingManifests {
    return new ExistingManifests(path.resolve(directory), directory);
  }

  private constructor(private readonly directory: string, private readonly shownAs: string) {}

  public produce(scope: Construct, _context: RenderContext): void {
    for (const file of this.files()) {
      // Include makes one ApiObject per document, ids from the file name: construct paths say which file.
      new Include(scope, file, { url: path.join(this.directory, file) });
    }
  }

  private files(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.directory, { withFileTypes: true });
    } catch (error) {
      throw new Error(`existing manifests: cannot read folder ${this.shownAs} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a folder of YAML files relative to the fleet program's folder`);
    }
    const files = entries.filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name)).map((entry) => entry.name).sort(compareCodeUnits);
    if (files.length === 0) {
      throw new Error(`existing manifests: folder ${this.shownAs} holds no .yaml or .yml file; put the manifests there or drop ExistingManifests`);
    }
    return files;
  }
}
