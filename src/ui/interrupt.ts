/**
 * Ctrl-C (or a TERM) for long commands: the first signal aborts the returned controller, so the work
 * can stop cleanly (a trainer checkpoints, a generator removes its partial folder); a second exits at
 * once with 130.
 *
 * The listeners stay registered until `dispose()`: execa's exit hook (signal-exit) re-raises a signal
 * when it finds no other listener, so a `process.once` listener, already removed when it runs, lets a
 * poll child alive at that moment kill the command before it finished stopping.
 */
export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): {signal: AbortSignal; dispose: () => void} {
  const controller = new AbortController()
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130)
    onFirst?.(signal)
    controller.abort()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    },
  }
}
