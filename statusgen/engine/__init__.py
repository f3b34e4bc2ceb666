"""Speed only: the build cache, keys of outputs, forked workers."""
