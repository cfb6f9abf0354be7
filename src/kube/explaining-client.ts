import type { KubeClient } from './client.js';
import { explainKubeError } from './explain.js';

/** Wraps a client so every failure reads as a sentence about this cluster and user. */
export function explainingClient(client: KubeClient): KubeClient {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn.apply(client, args);
      } catch (error) {
        throw explainKubeError(error, client.identity);
      }
    };
  return {
    identity: client.identity,
    apply: wrap(client.apply),
    get: wrap(client.get),
    list: wrap(client.list),
    delete: wrap(client.delete),
    patch: wrap(client.patch),
    getSubresource: wrap(client.getSubresource),
    readLog: wrap(client.readLog),
    serverVersion: wrap(client.serverVersion),
    streamLog: wrap(client.streamLog),
  };
}
