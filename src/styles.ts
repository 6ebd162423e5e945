// The extension's styles. They load with the first view that needs them
// (the modules loaded with `import()`), not at JupyterLab's start-up:
// package.json names no style module for JupyterLab to load.
import '../style/index.js';
