// The one loop helper every background worker of the sidecar runs on.

export interface Loop {
  stop(): Promise<void>;
}

/** Run a task every intervalMs, never two runs at once; a failed run is reported and retried next tick. */
export function every(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
  opts: { runAtStart?: boolean } = {},
): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () => {
    const started = Date.now();
    running = task()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
      });
  };
  timer = setTimeout(tick, opts.runAtStart ? 0 : intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
