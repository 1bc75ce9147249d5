// SVG icons are imported as text by JupyterLab's packages (webpack's raw loader does it in the
// build); jest gets the same text.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  }
};
