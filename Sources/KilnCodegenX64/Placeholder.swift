// Placeholder: filled in by the KilnCodegenX64 work.
