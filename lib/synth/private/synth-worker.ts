/**
 * Entry of a synth worker thread: runs the fleet program again. Its `fleet.synth()` sees the worker
 * assignment, renders this thread's share of units and reports them instead of writing anything.
 */
import { hasReported, reportToMainThread, signalExit, workerAssignment } from './parallel';

const assignment = workerAssignment();
if (assignment !== undefined) {
  process.argv = [...assignment.argv];
  process.on('exit', signalExit);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(assignment.mainFile);
    if (!hasReported()) {
      reportToMainThread({ error: 'the fleet program did not call synth() for this fleet' });
    }
  } catch (error) {
    reportToMainThread({ error: (error as Error).message });
  }
}
