// Placeholder: filled in by the KilnCompiler work.
