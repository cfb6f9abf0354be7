import { buildChart, HELM_RELEASE_LABEL, imageTag, type ChartFiles, type ChartPart } from './chart.js';
import { planDeploy, type DeployOptions, type DeployPlan } from './deploy.js';
import type { TemplateSource } from './templates.js';

/** Apply order of mlk's plan: the claim first, then the Deployment, then the Service. */
const ORDER = ['pvc', 'deployment', 'service'];

/** The templates and values `mlk deploy` renders for these options, in plan order. */
export function deployChartParts(o: DeployOptions, templates: TemplateSource): { plan: DeployPlan; parts: ChartPart[] } {
  const parts: ChartPart[] = [];
  const plan = planDeploy(o, templates, (template, values) => parts.push({ template, values }));
  const rank = (t: string) => (ORDER.includes(t) ? ORDER.indexOf(t) : ORDER.length);
  parts.sort((a, b) => rank(a.template) - rank(b.template));
  return { plan, parts };
}

export interface DeployChartOptions {
  /** Claims to leave out, by name (they exist already and belong to someone else). */
  withoutClaims?: string[];
  generator?: string;
  version?: string;
  /** Label every object (and pod) with the Helm release it is installed as (HELM_RELEASE_LABEL). */
  release?: string;
}

function withReleaseLabel(part: ChartPart, release: string): ChartPart {
  const labels = part.values.labels;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return part;
  return { ...part, values: { ...part.values, labels: { ...(labels as Record<string, unknown>), [HELM_RELEASE_LABEL]: release } } };
}

/** A Helm chart of what `mlk deploy app|model` with these options would apply. */
export function deployChart(o: DeployOptions, templates: TemplateSource, options: DeployChartOptions = {}): { plan: DeployPlan; files: ChartFiles } {
  const { plan, parts } = deployChartParts(o, templates);
  const what = o.kind === 'app' ? `app ${o.name} (${o.image})` : `model server ${o.name} (${o.server}${o.model ? `, model ${o.model}` : ''})`;
  const files = buildChart(
    {
      name: o.name,
      description: `The mlk ${what}, exported as a chart by mlk.`,
      version: options.version,
      appVersion: imageTag(o.image),
      generator: options.generator,
      parts: parts
        .filter((p) => !(p.template === 'pvc' && options.withoutClaims?.includes(String(p.values.name))))
        .map((p) => (options.release ? withReleaseLabel(p, options.release) : p)),
    },
    templates,
  );
  return { plan, files };
}
