// Waits on a timer of Node's event loop, and reports what Date.now() and
// performance.now() saw meanwhile (the emulator's virtual time, in a
// deterministic run).
import { setTimeout as sleep } from 'node:timers/promises';

export const handler = async (event, context) => {
  const wall = Date.now();
  const mono = performance.now();
  await sleep(event.seconds * 1000);
  return {
    slept: Math.round(performance.now() - mono) / 1000,
    wallDelta: (Date.now() - wall) / 1000,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
