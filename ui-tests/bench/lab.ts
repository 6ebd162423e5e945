import { type Stack, readStack } from '../stack';

/** The stack, and a clear error when it is not up or JupyterLab does not answer. */
export async function requireStack(): Promise<Stack> {
  // Throws, saying how to start the stack, when .local/stack.json is missing.
  const stack = readStack();
  const status = `${stack.jupyterlab}/api/status`;
  const answer = await fetch(status, {
    headers: { Authorization: `token ${stack.jupyterlabToken}` }
  }).catch(() => undefined);
  if (!answer?.ok) {
    throw new Error(
      `JupyterLab at ${stack.jupyterlab} does not answer (${answer?.status ?? 'no connection'}): run \`npm run local -- up\` first.`
    );
  }
  return stack;
}

/** A bench's own JupyterLab workspace, opened afresh (`?reset`). */
export function workspaceUrl(stack: Stack, workspace: string): string {
  return `${stack.jupyterlab}/lab/workspaces/${workspace}?reset&token=${stack.jupyterlabToken}`;
}

/** Remove a bench's workspace: it holds what the bench opened. */
export async function deleteWorkspace(
  stack: Stack,
  workspace: string
): Promise<void> {
  await fetch(`${stack.jupyterlab}/lab/api/workspaces/${workspace}`, {
    method: 'DELETE',
    headers: { Authorization: `token ${stack.jupyterlabToken}` }
  }).catch(() => undefined);
}
