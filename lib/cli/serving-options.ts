import * as fs from 'fs';
import * as path from 'path';
import { ParsedArguments, stringOption, UsageError } from './args';
import { AlertTarget, parseAlertTarget } from '../reconciler/alert-format';

/** Options of the running reconciler's endpoint and alerts (`reconcile --interval`). */
export const SERVING_VALUE_OPTIONS = ['listen', 'metrics-address', 'webhook-secret-file', 'alert-url'] as const;
export const SERVING_REPEATABLE_OPTIONS = ['alert-url'] as const;

export const SERVING_USAGE = `  --listen HOST:PORT      serve /healthz, /readyz, /metrics and POST /hooks/git in --interval mode
                          (default 127.0.0.1:9464, loopback only; --metrics-address is the same option's old name)
  --webhook-secret-file FILE  turn POST /hooks/git on: a push signed with this secret (GitHub X-Hub-Signature-256,
                          or GitLab X-Gitlab-Token) starts a reconcile at once; read on every hook, never printed
  --alert-url [FORMAT=]URL  POST each verdict change (healthy, failed, rolled-back, refused) to URL; FORMAT json
                          (default) or slack (Slack incoming webhook); repeat for several receivers`;

export interface ServingOptions {
  readonly host: string;
  readonly port: number;
  /** Reads the webhook secret; absent when hooks are off. */
  readonly secret?: () => Buffer;
  readonly alertTargets: readonly AlertTarget[];
}

/** Reads and checks the serving options; with `--once` none of them may be given. */
export function servingOptionsOf(parsed: ParsedArguments, once: boolean): ServingOptions {
  if (once) {
    const given = SERVING_VALUE_OPTIONS.filter((name) => parsed.options.has(name));
    if (given.length > 0) {
      throw new UsageError(`--${given[0]} needs --interval: only the running reconciler serves hooks and sends alerts`);
    }
  }
  const listen = stringOption(parsed, 'listen');
  const oldName = stringOption(parsed, 'metrics-address');
  if (listen !== undefined && oldName !== undefined) {
    throw new UsageError('give --listen or its old name --metrics-address, not both');
  }
  const address = listen ?? oldName ?? '127.0.0.1:9464';
  const separator = address.lastIndexOf(':');
  const port = Number(address.slice(separator + 1));
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  if (separator <= 0 || address.slice(separator + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--listen ${address} is not HOST:PORT, e.g. 127.0.0.1:9464 (or 0.0.0.0:9464 inside a Pod)`);
  }
  // Inside a Pod, stagecraft bootstrap's Secret (mounted as --credentials-dir) may hold both.
  const fromSecret = once ? {} : servingFilesIn(stringOption(parsed, 'credentials-dir'));
  const secretFile = stringOption(parsed, 'webhook-secret-file') ?? fromSecret.webhookSecretFile;
  const alertTargets = [...parsed.repeated.get('alert-url') ?? [], ...fromSecret.alertUrls ?? []].map((value) => {
    try {
      return parseAlertTarget(value);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  if (secretFile === undefined) {
    return { host, port, alertTargets };
  }
  const file = path.resolve(secretFile);
  const secret = () => readSecret(file);
  try {
    secret();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { host, port, secret, alertTargets };
}

/** Keys of the Secret stagecraft bootstrap writes (mounted as --credentials-dir) that the running reconciler reads. */
export const WEBHOOK_SECRET_KEY = 'webhook-secret';
export const ALERT_URLS_KEY = 'alert-urls';

/** The webhook secret file and alert URLs (one per line) in the mounted credentials Secret, when it holds them. */
function servingFilesIn(directory: string | undefined): { webhookSecretFile?: string; alertUrls?: string[] } {
  if (directory === undefined) {
    return {};
  }
  const secretFile = path.join(path.resolve(directory), WEBHOOK_SECRET_KEY);
  const urlsFile = path.join(path.resolve(directory), ALERT_URLS_KEY);
  return {
    ...(fs.existsSync(secretFile) ? { webhookSecretFile: secretFile } : {}),
    ...(fs.existsSync(urlsFile) ? { alertUrls: fs.readFileSync(urlsFile, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '') } : {}),
  };
}

/** Shortest secret taken: GitHub recommends a long random one; a short one can be guessed. */
const MIN_SECRET_BYTES = 16;

/**
 * The webhook secret in `file`, without one trailing newline (what `echo` or a Kubernetes Secret from a file
 * leaves). Messages name the file, never its content.
 */
export function readSecret(file: string): Buffer {
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (error) {
    throw new Error(`--webhook-secret-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a file holding the shared secret`);
  }
  const text = content.toString('latin1');
  const secret = content.subarray(0, text.endsWith('\r\n') ? content.length - 2 : text.endsWith('\n') ? content.length - 1 : content.length);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(`--webhook-secret-file ${file} holds ${secret.length} bytes; a webhook secret needs at least ${MIN_SECRET_BYTES} (e.g. openssl rand -hex 32 > ${path.basename(file)})`);
  }
  return secret;
}
