import * as path from 'path';
import { MessageChannel, MessagePort, Worker, isMainThread, receiveMessageOnPort, workerData } from 'worker_threads';
import { UnitResult } from './render-unit';

/**
 * Parallel synth. A fleet program is deterministic, so a worker thread can run the same program again
 * and render a share of the (environment, application) units; the main thread renders its own share,
 * then joins all results in unit order. Output is byte-identical to rendering everything on one thread:
 * results are joined in the same order, and a worker whose program does not produce the same units, or
 * that fails, is simply replaced by rendering its share on the main thread.
 */

const WORKER_DATA_KEY = 'stagecraftSynthWorker';
const SIGNAL_WAITING = 0;
const SIGNAL_REPORTED = 1;
const SIGNAL_EXITED = 2;

/** What a worker thread is asked to do. Plain data: it crosses threads. */
export interface WorkerAssignment {
  readonly mainFile: string;
  readonly argv: string[];
  readonly synthCall: number;
  readonly partition: number;
  readonly partitions: number;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

/** What a worker sends back. */
export interface WorkerReport {
  readonly units?: UnitResult[];
  readonly error?: string;
}

let synthCalls = 0;

/** Numbers the synth calls of this thread, so a worker answers the same call its parent is waiting for. */
export function nextSynthCall(): number {
  return synthCalls++;
}

/** The assignment of this thread when it is a synth worker. */
export function workerAssignment(): WorkerAssignment | undefined {
  if (isMainThread || workerData === null || typeof workerData !== 'object') {
    return undefined;
  }
  return (workerData as Record<string, WorkerAssignment | undefined>)[WORKER_DATA_KEY];
}

let reported = false;

/** Sends this worker's result to the main thread (once). */
export function reportToMainThread(report: WorkerReport): void {
  const assignment = workerAssignment();
  if (assignment === undefined || reported) {
    return;
  }
  reported = true;
  assignment.port.postMessage(report);
  Atomics.store(assignment.signal, 0, SIGNAL_REPORTED);
  Atomics.notify(assignment.signal, 0);
}

export function hasReported(): boolean {
  return reported;
}

/** Marks that the worker thread ended; the main thread stops waiting for it. */
export function signalExit(): void {
  const assignment = workerAssignment();
  if (assignment !== undefined && Atomics.load(assignment.signal, 0) === SIGNAL_WAITING) {
    Atomics.store(assignment.signal, 0, SIGNAL_EXITED);
    Atomics.notify(assignment.signal, 0);
  }
}

/**
 * How many partitions to split `unitCount` units into: 1 (no workers) unless the fleet asks for workers
 * (Fleet prop `synthWorkers`) and the program is a plain JavaScript main module a worker can load again.
 * Off by default: on the 2-core machines measured here a worker did not shorten synth (its start, the
 * second copy of the modules and the program's re-run eat the gain) and cost 60 MB (see bench/README.md).
 */
export function partitionsFor(unitCount: number, requestedWorkers: number | undefined): number {
  if (!isMainThread || mainFile() === undefined || requestedWorkers === undefined || unitCount < 2) {
    return 1;
  }
  return Math.max(1, Math.floor(requestedWorkers) + 1);
}

function mainFile(): string | undefined {
  const file = require.main?.filename;
  return file !== undefined && /\.c?js$/.test(file) ? file : undefined;
}

/** A started worker and how to hear from it. */
export interface RunningWorker {
  readonly partition: number;
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

/** Starts workers for partitions 1..partitions-1 of synth call `synthCall`. */
export function startWorkers(partitions: number, synthCall: number): RunningWorker[] {
  const file = mainFile()!;
  const workers: RunningWorker[] = [];
  for (let partition = 1; partition < partitions; partition++) {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const assignment: WorkerAssignment = { mainFile: file, argv: [...process.argv], synthCall, partition, partitions, port: port2, signal };
    const worker = new Worker(path.join(__dirname, 'synth-worker.js'), {
      workerData: { [WORKER_DATA_KEY]: assignment },
      transferList: [port2],
      // The program's own output would appear once per thread; only the main thread's reaches the user.
      stdout: true,
      stderr: true,
    });
    worker.unref();
    workers.push({ partition, worker, port: port1, signal });
  }
  return workers;
}

/**
 * Waits (blocking: synth is synchronous) for each worker's units. A worker that failed, ended without
 * reporting or took longer than `timeoutMilliseconds` yields undefined: its share is rendered here instead.
 */
export function collectWorkerResults(workers: readonly RunningWorker[], timeoutMilliseconds: number): Array<UnitResult[] | undefined> {
  const deadline = Date.now() + timeoutMilliseconds;
  return workers.map((running) => {
    let units: UnitResult[] | undefined;
    for (;;) {
      const received = receiveMessageOnPort(running.port);
      if (received !== undefined) {
        const report = received.message as WorkerReport;
        units = report.units;
        break;
      }
      if (Atomics.load(running.signal, 0) === SIGNAL_EXITED || Date.now() > deadline) {
        break;
      }
      Atomics.wait(running.signal, 0, SIGNAL_WAITING, 20);
    }
    void running.worker.terminate();
    running.port.close();
    return units;
  });
}
