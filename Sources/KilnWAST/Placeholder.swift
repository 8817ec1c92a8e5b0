// Placeholder: filled in by the KilnWAST work.
