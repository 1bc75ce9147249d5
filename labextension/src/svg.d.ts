// SVG files are bundled as their text (JupyterLab's builder: asset/source) for LabIcon.
declare module '*.svg' {
  const svgText: string;
  export default svgText;
}
