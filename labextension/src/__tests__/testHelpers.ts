/**
 * Helpers the panel's unit tests share: rendering a React element, reading its text, and
 * waiting for the model's asynchronous requests.
 */
import * as React from 'react';
import TestRenderer, { act, ReactTestRenderer } from 'react-test-renderer';

/** Render `element` inside `act`, so its effects have run when this returns. */
export function render(element: React.ReactElement): ReactTestRenderer {
  let renderer: ReactTestRenderer | undefined;
  act(() => {
    renderer = TestRenderer.create(element);
  });
  return renderer as ReactTestRenderer;
}

/** Every text node the renderer shows, in order, joined with `separator`. */
export function textOf(renderer: ReactTestRenderer, separator = ' '): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      parts.push(node);
    } else if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object' && 'children' in node) {
      walk((node as { children: unknown }).children);
    }
  };
  walk(renderer.toJSON());
  return parts.join(separator);
}

/** Poll `condition` every 5 ms until it holds; fail naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
