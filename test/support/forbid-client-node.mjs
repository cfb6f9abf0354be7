// Loaded with --import: makes any import of @kubernetes/client-node fail loudly.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === '@kubernetes/client-node' || specifier.startsWith('@kubernetes/client-node/')) {
      throw new Error('@kubernetes/client-node was imported');
    }
    return next(specifier, context);
  },
});
