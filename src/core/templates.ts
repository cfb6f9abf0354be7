/** Gives a template's text by name (deployment, service, pvc, ...); the cli layer reads the files. */
export type TemplateSource = (name: string) => { text: string; source: string };
