// What jsdom lacks and Lumino uses at import time (as @jupyterlab/testing's shim does), so the
// views' tests can import the real JupyterLab widgets. Only for tests under the jsdom environment.
if (typeof window !== 'undefined') {
  if (typeof window.DragEvent === 'undefined') {
    window.DragEvent = class DragEvent extends window.MouseEvent {};
    global.DragEvent = window.DragEvent;
  }
  if (typeof window.matchMedia !== 'function') {
    window.matchMedia = query => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false
    });
  }
  global.IS_REACT_ACT_ENVIRONMENT = true;
}
