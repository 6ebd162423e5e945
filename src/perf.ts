/**
 * Marks how long a plugin's activation took, as a `performance` measure
 * named `<plugin id>:activate`, so that the start-up bench (and the
 * browser's performance panel) can read it.
 */
export function measureActivation(pluginId: string, startedAt: number): void {
  try {
    performance.measure(`${pluginId}:activate`, {
      start: startedAt,
      end: performance.now()
    });
  } catch {
    // Older browsers without measure options: nothing to report.
  }
}
