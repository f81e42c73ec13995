// Tests import src/ modules directly, not through an entry point: register the built-in benchmarks
// as the CLI and the package entry do.
import '../src/benchmarks/builtins.js'
