// Placeholder: filled in by the AsmX64 work.
