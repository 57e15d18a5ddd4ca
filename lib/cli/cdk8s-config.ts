import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { UsageError } from './args';

/** The parts of `cdk8s.yaml` synth uses: the same file `cdk8s synth` reads. */
export interface Cdk8sConfig {
  /** Shell command that runs the fleet program. */
  readonly app: string;
  /** Output folder `cdk8s synth` writes to. */
  readonly output: string;
  readonly file: string;
}

/** Reads `cdk8s.yaml` of `directory`; errors name the file and the fix. */
export function readCdk8sConfig(directory: string): Cdk8sConfig {
  const file = path.join(directory, 'cdk8s.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`no cdk8s.yaml in ${directory}; run stagecraft synth in the folder of your fleet program (the one cdk8s synth runs in)`);
    }
    throw error;
  }
  let parsed: any;
  try {
    parsed = yaml.load(text, { filename: file, schema: yaml.JSON_SCHEMA });
  } catch (error) {
    throw new UsageError(`${file}: invalid yaml: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.app !== 'string' || parsed.app.trim() === '') {
    throw new UsageError(`${file}: "app" is missing; set it to the command that runs the fleet program, e.g. app: npx ts-node main.ts`);
  }
  if (parsed.output !== undefined && typeof parsed.output !== 'string') {
    throw new UsageError(`${file}: "output" must be a folder name`);
  }
  return { app: parsed.app, output: parsed.output ?? 'dist', file };
}
