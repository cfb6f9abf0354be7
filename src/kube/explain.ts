import { ClusterError } from '../core/errors.js';
import { KubeApiError, KubeUnreachableError } from './api-error.js';
import type { ClusterIdentity } from './client.js';
import { redactText } from '../core/redact.js';

const VERBS: Record<string, string> = { GET: 'read', PATCH: 'apply', DELETE: 'delete', POST: 'create', PUT: 'update' };

/** Turns what the API server (or the network) said into a sentence a person can act on. */
export function explainKubeError(error: unknown, identity: ClusterIdentity): unknown {
  // The server URL may carry user:password@ (kubeconfig allows it): never printed (core/redact.ts).
  const server = redactText(identity.server);
  if (error instanceof KubeUnreachableError) {
    const code = (error.cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused (is the cluster running?)'
        : code === 'ENOTFOUND'
          ? 'the host name does not resolve'
          : code === 'ETIMEDOUT' || /within/.test(error.message)
            ? 'it did not answer in time'
            : /certificate|self.signed|CERT/i.test(error.message)
              ? `its TLS certificate is not trusted (${redactText(error.message)})`
              : redactText(error.message);
    return new ClusterError(`cannot reach the Kubernetes API server ${server} (context "${identity.context}"): ${why}`, undefined);
  }
  if (!(error instanceof KubeApiError)) return error;
  const message = error.status.message ?? '';
  const verb = VERBS[error.verb] ?? error.verb.toLowerCase();
  const refusal = (text: string, hint?: string) => new ClusterError(text, error.statusCode, hint);
  switch (error.statusCode) {
    case 401:
      return refusal(
        `the cluster ${server} rejected the credentials of user "${identity.user}" (context "${identity.context}"): Unauthorized`,
        'the token or certificate in the kubeconfig is missing, wrong or expired',
      );
    case 403:
      return refusal(`not allowed: ${message}`, `user "${identity.user}" (context "${identity.context}") needs RBAC permission to ${verb} this`);
    case 404: {
      const details = error.status.details;
      if (details?.kind === 'namespaces')
        return refusal(`namespace "${details.name}" does not exist`, `create it with: kubectl create namespace ${details.name}`);
      return refusal(`not found: ${message}`);
    }
    case 409: {
      const causes = error.status.details?.causes ?? [];
      if (causes.some((c) => c.reason === 'FieldManagerConflict')) {
        const fields = causes.map((c) => `${c.field} (${c.message?.replace(/^conflict with /, 'owned by ')})`).join('; ');
        return refusal(
          `another field manager owns fields mlk wants to set: ${fields}`,
          're-run with --force-conflicts to take them over, or change them with the tool that owns them',
        );
      }
      return refusal(`conflict: ${message}`);
    }
    case 422: {
      const causes = error.status.details?.causes ?? [];
      const lines = causes.map((c) => `${c.field ?? '?'}: ${c.message ?? c.reason}`);
      return refusal(`the cluster rejected the object as invalid: ${lines.length ? lines.join('; ') : message}`);
    }
    default:
      return refusal(`the Kubernetes API answered ${error.statusCode} to ${error.verb} ${error.path}: ${redactText(message)}`);
  }
}
