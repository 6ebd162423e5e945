// SVG files are bundled as strings (JupyterLab's builder uses raw loading).
declare module '*.svg' {
  const svg: string;
  export default svg;
}
